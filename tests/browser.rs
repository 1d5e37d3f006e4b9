//! End-to-end test of report.html in headless Chromium (Debian's `chromium`, installed by
//! `scripts/setup-browser`, which `make test` runs first). The report of a small export is opened
//! from a file:// URL. Two views:
//! - the report exactly as written, with a `#filter:` address: its own script must run under its
//!   own Content Security Policy and filter the responses table;
//! - a copy with a probe script added (and only the probe's hash added to the policy) that
//!   measures the rendered charts, changes a filter, sorts a column, and collects every resource
//!   the page loaded and every policy violation; the data contains `<script>`, `onerror` and
//!   remote `<img>` payloads that must neither run nor fetch anything.
//!
//! Chromium also writes a network log; the data's remote image must not appear in it.
//! Without Chromium the test fails and names the set-up command, unless
//! NPSIGHT_SKIP_BROWSER_TESTS=1.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Workdir;
use sha2::{Digest, Sha256};

const EXPORT: &str = "\
id,agent,team,channel,score,comment
1,Ann,Billing,phone,2,I was on hold for 45 minutes and then transferred three times <script>window.__pwned=1;document.title='PWNED'</script>
2,Ann,Billing,phone,9,Very friendly agent who sorted it quickly
3,Bob,Tech,chat,10,Great service thank you the agent was very helpful
4,Bob,Tech,chat,0,\"Rude agent <img src=x onerror=\"\"window.__pwned=2;document.title='PWNED'\"\"> and my internet is still not working\"
5,Cem,Billing,email,7,
6,Cem,Billing,phone,3,Ich habe ewig in der Warteschleife gewartet und niemand hat geholfen
7,Dan,Tech,phone,8,Der Mitarbeiter war sehr freundlich und kompetent
8,Dan,Tech,phone,1,\"Waited on hold forever <img src=\"\"http://127.0.0.1:9/leak.png\"\"> nobody called back\"
9,Eve,Billing,chat,1,Die Rechnung war falsch und die Wartezeit viel zu lang
10,Eve,Billing,chat,9,The agent was friendly and fixed my billing problem quickly
11,Fay,Tech,phone,2,<svg onload=window.__pwned=3>hold music for an hour and the technician never came
";

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("NPSIGHT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var("NPSIGHT_SKIP_BROWSER_TESTS").as_deref() == Ok("1") => {
            eprintln!("browser tests skipped (NPSIGHT_SKIP_BROWSER_TESTS=1)");
            None
        }
        None => panic!(
            "headless Chromium not found at /usr/bin/chromium: run `scripts/setup-browser` \
             (apt-get install -y chromium; `make test` does it), point NPSIGHT_CHROMIUM at a \
             Chromium binary, or set NPSIGHT_SKIP_BROWSER_TESTS=1 to skip"
        ),
    }
}

/// Load `url` headless and return the DOM after scripts ran; the network log goes to `netlog`.
fn dump_dom(chrome: &Path, url: &str, netlog: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            // Chromium's own clock check (clients2.google.com), not the page's.
            "--disable-features=NetworkTimeServiceQuerying",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg("--window-size=1280,900")
        .args(["--virtual-time-budget=5000", "--dump-dom", url])
        .output()
        .expect("start chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.canonicalize().unwrap().display())
}

fn csp_hash(script: &str) -> String {
    use std::fmt::Write;
    // base64 of the SHA-256, written out here independently of the report's own encoder.
    let d = Sha256::digest(script.as_bytes());
    let t = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in d.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for k in 0..4 {
            if k <= c.len() {
                let _ = write!(s, "{}", t[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    format!("'sha256-{s}'")
}

const PROBE: &str = r##"window.__v=[];document.addEventListener("securitypolicyviolation",function(e){window.__v.push(e.violatedDirective+" "+e.blockedURI);});
window.addEventListener("load",function(){setTimeout(function(){var d=document,r={};
function visible(){return [].filter.call(d.querySelectorAll("#responses tbody tr"),function(t){return !t.hidden&&t.getBoundingClientRect().height>0;});}
r.title=d.title;r.pwned=window.__pwned||0;r.js=d.documentElement.classList.contains("js");
r.charts=[].map.call(d.querySelectorAll("svg.chart"),function(s){var b=s.getBoundingClientRect();return {id:s.id,w:b.width,h:b.height,shapes:[].filter.call(s.querySelectorAll("rect,circle"),function(x){var q=x.getBoundingClientRect();return q.width>0&&q.height>0;}).length};});
r.heat_cells=d.querySelectorAll("table.heat td.h").length;
r.driver_visible=[].filter.call(d.querySelectorAll("#drivers svg.chart"),function(s){return s.getBoundingClientRect().width>0;}).map(function(s){var m=1e9;[].forEach.call(s.querySelectorAll("text"),function(t){var h=t.getBoundingClientRect().height;if(h>0)m=Math.min(m,h);});return [s.id,m];});
r.before=visible().length;r.langs_before=visible().map(function(t){return t.getAttribute("data-f-lang");});
var sel=d.querySelector('select[data-filter="lang"]');sel.value="de";sel.dispatchEvent(new Event("change"));
r.after=visible().length;r.langs_after=visible().map(function(t){return t.getAttribute("data-f-lang");});
r.drill_visible=[].filter.call(d.querySelectorAll("#drilldown li"),function(x){return !x.hidden;}).map(function(x){return x.getAttribute("data-f-lang");});
sel.value="";sel.dispatchEvent(new Event("change"));
var th=d.querySelectorAll("#responses thead th")[1];th.click();
r.scores_sorted=visible().map(function(t){return +t.cells[1].getAttribute("data-v");});
th.click();r.scores_desc=visible().map(function(t){return +t.cells[1].getAttribute("data-v");});
r.status=d.getElementById("status").textContent;
function cells(id){var tr=d.querySelector('#theme-table tr[data-theme="'+id+'"]');return tr?[].map.call(tr.cells,function(c){return c.textContent;}):null;}
function ids(){return [].map.call(d.querySelectorAll("#theme-table tbody tr"),function(t){return t.getAttribute("data-theme");});}
function heat(col,theme){var t=d.querySelector('table.heat[data-col="'+col+'"]');if(!t)return null;var ths=[].slice.call(t.tHead.rows[0].cells),i=-1;ths.forEach(function(h,k){if(h.getAttribute("data-theme")===theme)i=k;});return [].map.call(t.tBodies[0].rows,function(tr){return [tr.getAttribute("data-value"),tr.cells[1].textContent,i<0?null:tr.cells[i].textContent];});}
r.heat_all=heat("team","wait_time");r.seg_all=seg("team");r.wait_all=cells("wait_time");r.ids_all=ids();sel.value="de";sel.dispatchEvent(new Event("change"));r.wait_de=cells("wait_time");r.billing_de=cells("billing");
r.impact_order_de=[].map.call(d.querySelectorAll("#theme-table tbody tr"),function(t){var v=t.cells[8].getAttribute("data-v");return v===null||v===""?null:+v;});
r.few_de=d.querySelectorAll("#theme-table tbody tr.few").length;r.theme_rows=d.querySelectorAll("#theme-table tbody tr").length;
r.stale_de=[].map.call(d.querySelectorAll("section.stale"),function(x){return x.id;});r.heat_de=heat("team","wait_time");
function seg(col){var t=d.querySelector('table.segtable[data-col="'+col+'"]');return t?[].map.call(t.tBodies[0].rows,function(tr){return [tr.getAttribute("data-value"),tr.cells[1].textContent,tr.cells[3].textContent,tr.cells[4].textContent,tr.cells[5].classList.contains("whole")];}):null;}
r.seg_de=seg("team");
var qf=d.getElementById("quadrant-filtered-chart");r.quad_de=qf?{points:qf.querySelectorAll("circle").length,labels:[].map.call(qf.querySelectorAll("text.label"),function(t){var b=t.getBBox();return [t.textContent,b.x,b.y,b.width,b.height];}),orig_hidden:getComputedStyle(d.getElementById("quadrant-chart")).display==="none"}:null;
var tf=d.getElementById("topic-filtered-chart");r.topic_de=tf?[].map.call(tf.querySelectorAll("text"),function(x){return x.textContent;}):null;r.topic_orig_hidden=getComputedStyle(d.getElementById("topic-sentiment-chart")).display==="none";
r.note_de=[].map.call(d.querySelectorAll(".filter-note"),function(p){return p.hidden?"":p.textContent;});
var fc=d.getElementById("filtered-chart");r.filtered_chart=fc?{h:fc.getBoundingClientRect().height,bars:fc.querySelectorAll("rect[tabindex]").length,labels:[].map.call(fc.querySelectorAll("rect"),function(x){return x.getAttribute("aria-label");})}:null;
r.driver_chart_hidden=d.getElementById("driver-chart")?getComputedStyle(d.getElementById("driver-chart")).display==="none":null;
var q=d.getElementById("search");q.value="RECHNUNG";q.dispatchEvent(new Event("input"));r.search_de=visible().map(function(t){return t.cells[0].textContent;});r.status_search=d.getElementById("status").textContent;
sel.value="";sel.dispatchEvent(new Event("change"));r.wait_restored=cells("wait_time");r.ids_restored=ids();r.heat_restored=heat("team","wait_time");r.seg_restored=seg("team");r.quad_after=!!d.getElementById("quadrant-filtered-chart");r.topic_after=!!d.getElementById("topic-filtered-chart");r.stale_after=d.querySelectorAll("section.stale").length;
q.value="hold";q.dispatchEvent(new Event("input"));r.search_hold=visible().map(function(t){return t.querySelector(".text").textContent;});
r.drill_hold=[].filter.call(d.querySelectorAll("#drilldown li"),function(x){return !x.hidden;}).map(function(x){return x.querySelector(".text").textContent;});
q.value="";q.dispatchEvent(new Event("input"));r.after_clear=visible().length;
r.no_caption=[].filter.call(d.querySelectorAll("table"),function(t){return !t.caption||!t.caption.textContent.trim();}).length;r.tables=d.querySelectorAll("table").length;
r.chart_focus=[].filter.call(d.querySelectorAll("svg.chart rect,svg.chart circle"),function(x){return x.querySelector("title");}).map(function(x){return x.tabIndex===0&&!!x.getAttribute("aria-label");});
function rgb(s){var m=s.match(/[\d.]+/g);if(!m)return null;return [+m[0],+m[1],+m[2],m.length>3?+m[3]:1];}
function over(f,b){return [0,1,2].map(function(i){return f[i]*f[3]+b[i]*(1-f[3]);}).concat([1]);}
function bg(el){var st=[];for(var e=el;e&&e.nodeType===1;e=e.parentNode){var c=rgb(getComputedStyle(e).backgroundColor);if(c&&c[3]>0)st.push(c);if(c&&c[3]>=1)break;}var b=[255,255,255,1];for(var i=st.length-1;i>=0;i--)b=over(st[i],b);return b;}
function lum(c){var v=c.slice(0,3).map(function(x){x/=255;return x<=0.03928?x/12.92:Math.pow((x+0.055)/1.055,2.4);});return 0.2126*v[0]+0.7152*v[1]+0.0722*v[2];}
r.low_contrast=[];r.contrast_checked=0;[].forEach.call(d.querySelectorAll("body *"),function(el){
if(![].some.call(el.childNodes,function(n){return n.nodeType===3&&n.textContent.trim();}))return;var b0=el.getBoundingClientRect();if(b0.width===0||b0.height===0)return;
var cs=getComputedStyle(el),svg=el instanceof SVGElement,fg=rgb(svg?cs.fill:cs.color);if(!fg)return;var back=bg(svg?el.ownerSVGElement.parentNode:el);fg=over(fg,back);
var a=lum(fg),b=lum(back),ratio=(Math.max(a,b)+0.05)/(Math.min(a,b)+0.05),px=parseFloat(cs.fontSize),large=px>=24||(px>=18.66&&+cs.fontWeight>=700);r.contrast_checked++;
if(ratio<(large?3:4.5))r.low_contrast.push(el.tagName+"."+el.getAttribute("class")+" "+ratio.toFixed(2)+" "+el.textContent.slice(0,30));});
r.sw=d.scrollingElement.scrollWidth;r.cw=d.scrollingElement.clientWidth;r.vw=window.innerWidth;
d.getElementById("summary-toggle").click();r.summary={themes:getComputedStyle(d.getElementById("themes")).display,responses:getComputedStyle(d.getElementById("responses-section")).display,headline:getComputedStyle(d.getElementById("headline")).display,drivers:getComputedStyle(d.getElementById("drivers")).display,hash:location.hash};
r.resources=performance.getEntriesByType("resource").map(function(e){return e.name;});
r.violations=window.__v;
var pre=d.createElement("pre");pre.id="probe-result";pre.textContent=JSON.stringify(r);d.body.appendChild(pre);if(window.parent!==window)window.parent.postMessage(JSON.stringify(r),"*");},0);});"##;

/// Run the probe on a copy of the report (`html`); its JSON result. With `phone`, the copy is
/// shown in a 390 x 844 px frame of a plain page (headless Chromium's windows are at least 500 px
/// wide), and the probe posts its result to that page.
fn probe(chrome: &Path, w: &Workdir, html: &str, phone: bool, netlog: &str) -> serde_json::Value {
    let csp_at = html.find("script-src ").expect("script-src in the CSP") + "script-src ".len();
    let mut probed = html.to_string();
    probed.insert_str(csp_at, &format!("{} ", csp_hash(PROBE)));
    let head_end = probed.find("<title>").unwrap();
    probed.insert_str(head_end, &format!("<script>{PROBE}</script>"));
    let probe_path = w.write("out/probe.html", probed);
    let url = if phone {
        let page = w.write(
            "out/phone.html",
            r#"<!DOCTYPE html><html><body style="margin:0"><iframe src="probe.html" style="width:390px;height:844px;border:0"></iframe><script>addEventListener("message",function(e){var p=document.createElement("pre");p.id="probe-result";p.textContent=e.data;document.body.appendChild(p);});</script></body></html>"#,
        );
        file_url(&page)
    } else {
        file_url(&probe_path)
    };
    let dom = dump_dom(chrome, &url, &w.path(netlog));
    let at = dom.find(r#"<pre id="probe-result">"#).expect("probe ran")
        + r#"<pre id="probe-result">"#.len();
    let json = &dom[at..at + dom[at..].find("</pre>").unwrap()];
    let json = json
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn analyze(w: &Workdir) -> PathBuf {
    w.write("export.csv", EXPORT);
    let r = w.run(&[
        "analyze",
        "export.csv",
        "--out",
        "out",
        "--encoder",
        "none",
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    w.path("out/report.html")
}

/// The network log must not show any request of the page: the data's remote image, or any
/// file:// resource besides the report itself. (Chromium's own service requests, which
/// `--host-resolver-rules` keeps from resolving, are not the page's and are not counted.)
fn no_page_requests_in(netlog: &Path) {
    let log = std::fs::read_to_string(netlog).expect("chromium wrote a network log");
    for needle in ["127.0.0.1:9", "leak.png", "/out/x\""] {
        assert!(
            !log.contains(needle),
            "network log shows a request for {needle}"
        );
    }
}

#[test]
fn report_filters_sorts_renders_and_stays_offline() {
    let Some(chrome) = browser_or_skip() else {
        return;
    };
    let w = Workdir::new();
    let report = analyze(&w);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        !html.contains("<script>window.__pwned"),
        "comment script written raw"
    );
    assert!(!html.contains("<img src"), "comment image written raw");

    // The report as written: its own script runs and honours the filter in the address.
    let all = dump_dom(&chrome, &file_url(&report), &w.path("net0.json"));
    let de = dump_dom(
        &chrome,
        &format!("{}#filter:lang=de", file_url(&report)),
        &w.path("net1.json"),
    );
    let status = |dom: &str| -> String {
        let at = dom.find(r#"id="status""#).expect("status element");
        let rest = &dom[at..];
        let s = rest.find('>').unwrap() + 1;
        rest[s..s + rest[s..].find('<').unwrap()].to_string()
    };
    let (st_all, st_de) = (status(&all), status(&de));
    let counts = |s: &str| -> (usize, usize) {
        let mut it = s.split(' ');
        let a = it
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("status {s:?}"));
        it.next();
        (a, it.next().unwrap().parse().unwrap())
    };
    let (shown_all, total) = counts(&st_all);
    let (shown_de, total_de) = counts(&st_de);
    assert_eq!(shown_all, total, "{st_all}");
    assert_eq!(total, total_de);
    assert!(shown_de > 0 && shown_de < total, "{st_de} vs {st_all}");
    assert!(st_de.ends_with("(filtered)"));
    no_page_requests_in(&w.path("net0.json"));
    no_page_requests_in(&w.path("net1.json"));

    // A copy with the probe.
    let r = probe(&chrome, &w, &html, false, "net2.json");

    assert_eq!(r["pwned"], 0, "a script from the data ran: {r}");
    assert_eq!(r["title"], "NPS root-cause report");
    assert_eq!(r["js"], true, "the page's own script did not run");
    assert_eq!(r["resources"].as_array().unwrap().len(), 0, "requests: {r}");
    assert_eq!(
        r["violations"].as_array().unwrap().len(),
        0,
        "CSP violations: {r}"
    );
    let charts = r["charts"].as_array().unwrap();
    for id in ["driver-chart", "quadrant-chart"] {
        let c = charts
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id}: {r}"));
        assert!(
            c["w"].as_f64().unwrap() > 200.0 && c["h"].as_f64().unwrap() > 100.0,
            "{c}"
        );
        assert!(
            c["shapes"].as_u64().unwrap() >= 2,
            "{id} draws nothing: {c}"
        );
    }
    assert!(r["heat_cells"].as_u64().unwrap() > 0);
    let before = r["before"].as_u64().unwrap();
    let after = r["after"].as_u64().unwrap();
    assert_eq!(before as usize, total);
    assert!(after > 0 && after < before, "{r}");
    assert!(r["langs_after"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l == "de"));
    assert!(r["langs_before"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l != "de"));
    let drill = r["drill_visible"].as_array().unwrap();
    assert!(!drill.is_empty() && drill.iter().all(|l| l == "de"), "{r}");
    let asc: Vec<u64> = r["scores_sorted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    let desc: Vec<u64> = r["scores_desc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    assert!(
        asc.windows(2).all(|p| p[0] <= p[1]) && asc.first() < asc.last(),
        "{asc:?}"
    );
    assert!(desc.windows(2).all(|p| p[0] >= p[1]), "{desc:?}");
    assert_eq!(asc.len() as u64, before);

    // Filtering to German recomputes the theme table for the three German responses (rows 6, 7,
    // 9: scores 3, 8, 1). Wait time is named in rows 6 and 9, both detractors: 2 mentions, 2 of 3
    // comments, NPS of mentioners -100, detractors 100% with and 0% without, leave-one-out
    // impact NPS(-66.7) - NPS(row 7 alone: 0) = -66.7.
    let cell = |k: &str, i: usize| r[k][i].as_str().unwrap_or_default().to_string();
    assert_eq!(cell("wait_de", 0), "Wait time", "{r}");
    assert_eq!(
        (2..=8).map(|i| cell("wait_de", i)).collect::<Vec<_>>(),
        ["2", "66.7%", "-100.0", "100%", "0%", "–", "-66.7"],
        "{r}"
    );
    assert_ne!(r["wait_all"][2], r["wait_de"][2], "not recomputed: {r}");
    assert_eq!(r["wait_restored"], r["wait_all"], "not restored: {r}");
    // The filtered table is re-ranked by the recomputed impact, most damaging first (themes
    // without an impact last), and every theme, under 30 mentions in three responses, is marked
    // indicative; clearing the filter restores the written order.
    let order: Vec<Option<f64>> = r["impact_order_de"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64())
        .collect();
    let ranked: Vec<f64> = order.iter().map_while(|v| *v).collect();
    assert!(
        ranked.len() >= 2 && ranked.windows(2).all(|p| p[0] <= p[1]),
        "{order:?}"
    );
    assert!(
        order[ranked.len()..].iter().all(Option::is_none),
        "{order:?}"
    );
    assert_eq!(r["few_de"], r["theme_rows"], "{r}");
    assert_eq!(r["ids_restored"], r["ids_all"], "{r}");
    assert_ne!(r["ids_all"], serde_json::Value::Null);
    // The sections the filter does not recompute say so while it is on, and only then.
    let stale: Vec<&str> = r["stale_de"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    for recomputed in [
        "priority",
        "heatmap",
        "segments",
        "topic-sentiment",
        "themes",
    ] {
        assert!(!stale.contains(&recomputed), "{recomputed}: {r}");
    }
    // The priority chart is redrawn for the German comments, its names overlapping nothing.
    let q = &r["quad_de"];
    assert_eq!(q["orig_hidden"], true, "{r}");
    assert!(q["points"].as_u64().unwrap() >= 2, "{r}");
    let boxes: Vec<(String, [f64; 4])> = q["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let f = |i: usize| l[i].as_f64().unwrap();
            (l[0].as_str().unwrap().to_string(), [f(1), f(2), f(3), f(4)])
        })
        .collect();
    assert!(boxes.iter().any(|(n, _)| n == "Wait time"), "{r}");
    for (i, (a, p)) in boxes.iter().enumerate() {
        for (b, o) in &boxes[i + 1..] {
            let apart = p[0] + p[2] <= o[0] + 0.5
                || o[0] + o[2] <= p[0] + 0.5
                || p[1] + p[3] <= o[1] + 0.5
                || o[1] + o[3] <= p[1] + 0.5;
            assert!(apart, "labels {a} and {b} overlap: {r}");
        }
    }
    assert_eq!(r["quad_after"], false, "{r}");
    // The heatmaps are recomputed: the German comments are rows 6 (team Billing), 7 (Tech)
    // and 9 (Billing); wait time is named in 6 and 9, so 2 of Billing's 2 comments and none of
    // Tech's 1. Clearing the filter restores the cells as written.
    assert_eq!(
        r["heat_de"],
        serde_json::json!([["Billing", "2", "100%"], ["Tech", "1", "·"]]),
        "{r}"
    );
    assert_ne!(r["heat_all"], r["heat_de"], "{r}");
    assert_eq!(r["heat_restored"], r["heat_all"], "{r}");
    // The segment tables too: German Billing responses are rows 6 (3) and 9 (1), two
    // detractors: NPS -100 with the interval of stats::nps (floored at -100, capped at the
    // observed value); Tech's one is row 7 (8, a passive): NPS 0. The tested columns are marked
    // as the whole file's.
    let seg_de = r["seg_de"].as_array().unwrap_or_else(|| panic!("{r}"));
    let billing = seg_de.iter().find(|x| x[0] == "Billing").unwrap();
    assert_eq!(billing[1], "2", "{r}");
    assert_eq!(billing[2], "-100.0", "{r}");
    assert!(
        billing[3].as_str().unwrap().starts_with("-100.0 to "),
        "{r}"
    );
    assert_eq!(billing[4], true, "{r}");
    let tech = seg_de.iter().find(|x| x[0] == "Tech").unwrap();
    assert_eq!(
        (&tech[1], &tech[2]),
        (&serde_json::json!("1"), &serde_json::json!("0.0")),
        "{r}"
    );
    assert_eq!(r["seg_restored"], r["seg_all"], "{r}");
    assert_ne!(r["seg_all"], r["seg_de"], "{r}");
    // Sentiment by theme is redrawn for the German comments: wait time, named negatively in
    // rows 6 and 9, comes first with n = 2; the page's chart is hidden meanwhile and back after.
    let topic: Vec<&str> = r["topic_de"]
        .as_array()
        .unwrap_or_else(|| panic!("no filtered sentiment chart: {r}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    // "Filtered", the four legend labels, then the first row's name, counts and total.
    assert_eq!(
        topic[..6],
        [
            "Filtered",
            "negative",
            "neutral",
            "mixed",
            "positive",
            "Wait time"
        ],
        "{topic:?}"
    );
    assert_eq!(
        topic[6..].iter().find(|t| t.starts_with("n = ")),
        Some(&"n = 2"),
        "{topic:?}"
    );
    assert_eq!(r["topic_orig_hidden"], true, "{r}");
    assert_eq!(r["topic_after"], false, "{r}");
    assert_eq!(
        r["note_de"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n
                .as_str()
                .unwrap()
                .starts_with("For the whole file: this section is not recomputed"))
            .count(),
        stale.len(),
        "{r}"
    );
    assert_eq!(r["stale_after"], 0, "{r}");
    let notes = r["note_de"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("3 of 11 responses")
                && n.as_str().unwrap().contains("driver model")),
        "{r}"
    );
    let fc = &r["filtered_chart"];
    assert!(
        fc["h"].as_f64().unwrap() > 40.0 && fc["bars"].as_u64().unwrap() >= 1,
        "{r}"
    );
    assert!(
        fc["labels"].as_array().unwrap().iter().any(|l| l
            .as_str()
            .unwrap()
            .starts_with("Wait time: -66.7 pts, 2 mentions")),
        "{r}"
    );
    assert_eq!(r["driver_chart_hidden"], true, "{r}");

    // The search, combined with the language filter, then alone.
    assert_eq!(r["search_de"], serde_json::json!(["9"]), "{r}");
    assert!(
        r["status_search"].as_str().unwrap().starts_with("1 of "),
        "{r}"
    );
    let hold = r["search_hold"].as_array().unwrap();
    assert!(
        !hold.is_empty() && (hold.len() as u64) < before,
        "search did not narrow: {r}"
    );
    assert!(hold
        .iter()
        .all(|t| t.as_str().unwrap().to_lowercase().contains("hold")));
    let drill_hold = r["drill_hold"].as_array().unwrap();
    assert!(drill_hold
        .iter()
        .all(|t| t.as_str().unwrap().to_lowercase().contains("hold")));
    assert_eq!(r["after_clear"].as_u64().unwrap(), before);

    // Every table has a caption; every chart detail takes the keyboard focus with a name.
    assert!(r["tables"].as_u64().unwrap() >= 5);
    assert_eq!(r["no_caption"], 0, "tables without a caption: {r}");
    let focus = r["chart_focus"].as_array().unwrap();
    assert!(!focus.is_empty() && focus.iter().all(|x| x == true), "{r}");
    // The one-page summary view shows the headline and the drivers only.
    assert_eq!(r["summary"]["headline"], "block", "{r}");
    assert_eq!(r["summary"]["drivers"], "block", "{r}");
    assert_eq!(r["summary"]["themes"], "none", "{r}");
    assert_eq!(r["summary"]["responses"], "none", "{r}");
    assert_eq!(r["summary"]["hash"], "#summary", "{r}");
    no_page_requests_in(&w.path("net2.json"));

    // Above the cap the data block holds no rows: the filters narrow the verbatims only, say
    // so, and leave the theme table as written.
    assert!(html.contains(r#""complete":true"#));
    let capped = html.replace(r#""complete":true"#, r#""complete":false"#);
    let r = probe(&chrome, &w, &capped, false, "net3.json");
    assert_eq!(r["wait_de"], r["wait_all"], "{r}");
    assert!(r["after"].as_u64().unwrap() < r["before"].as_u64().unwrap());
    assert!(
        r["note_de"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("narrow the verbatims only")),
        "{r}"
    );
    assert!(r["filtered_chart"].is_null(), "{r}");
}

/// At a phone's 390 px the page does not scroll sideways, and every visible text meets WCAG AA
/// contrast (4.5:1, 3:1 for large text) against its composited background, computed from the
/// browser's own computed styles.
#[test]
fn report_fits_a_phone_and_meets_aa_contrast() {
    let Some(chrome) = browser_or_skip() else {
        return;
    };
    let w = Workdir::new();
    let report = analyze(&w);
    let html = std::fs::read_to_string(&report).unwrap();
    for phone in [true, false] {
        let r = probe(&chrome, &w, &html, phone, "net-phone.json");
        assert_eq!(
            r["violations"].as_array().unwrap().len(),
            0,
            "CSP violations: {r}"
        );
        if phone {
            assert_eq!(r["vw"], 390, "viewport {r}");
            assert!(
                r["sw"].as_u64().unwrap() <= r["cw"].as_u64().unwrap(),
                "the page scrolls sideways at 390 px: scrollWidth {} > clientWidth {}",
                r["sw"],
                r["cw"]
            );
        }
        // One driver chart shows, in the layout of the screen, with text of a readable size
        // (the desktop chart scaled to 390 px drew its names about 6 px high).
        let shown = r["driver_visible"].as_array().unwrap();
        assert_eq!(shown.len(), 1, "{}", r["driver_visible"]);
        let want = if phone {
            "driver-chart-narrow"
        } else {
            "driver-chart"
        };
        assert_eq!(shown[0][0], want, "{}", r["driver_visible"]);
        assert!(
            shown[0][1].as_f64().unwrap() >= 10.0,
            "driver chart text too small (phone: {phone}): {}",
            r["driver_visible"]
        );
        assert!(r["contrast_checked"].as_u64().unwrap() > 100, "{r}");
        assert_eq!(
            r["low_contrast"].as_array().unwrap().len(),
            0,
            "text below WCAG AA (phone: {phone}): {}",
            r["low_contrast"]
        );
    }
}

/// The one-page summary view prints to a single PDF page, the full report to several; the
/// print stylesheet unclips tables and drops the sort arrows (checked as rules: headless
/// Chromium has no print-media switch for `--dump-dom`).
#[test]
fn summary_view_prints_on_one_page() {
    let Some(chrome) = browser_or_skip() else {
        return;
    };
    let w = Workdir::new();
    let report = analyze(&w);
    let pages = |url: String, name: &str| -> usize {
        let profile = tempfile::tempdir().unwrap();
        let pdf = w.path(name);
        let out = Command::new(&chrome)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--no-pdf-header-footer",
                "--virtual-time-budget=3000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(url)
            .output()
            .expect("start chromium");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&pdf).expect("a PDF was written");
        assert!(bytes.starts_with(b"%PDF"));
        let text = String::from_utf8_lossy(&bytes);
        text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
    };
    let summary = pages(format!("{}#summary", file_url(&report)), "summary.pdf");
    let full = pages(file_url(&report), "full.pdf");
    assert_eq!(summary, 1, "the summary view printed on {summary} pages");
    assert!(full > 1, "the full report printed on {full} page(s)");
    let css = std::fs::read_to_string(report).unwrap();
    let print = &css[css.find("@media print{").expect("a print stylesheet")..];
    for rule in [
        ".scroll{overflow:visible!important}",
        "th[aria-sort]:after{content:none!important}",
        "break-inside:avoid",
        "h2,h3,h4,caption{break-after:avoid}",
    ] {
        assert!(print.contains(rule), "print rule {rule} missing");
    }
}
