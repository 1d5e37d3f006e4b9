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
r.before=visible().length;r.langs_before=visible().map(function(t){return t.getAttribute("data-f-lang");});
var sel=d.querySelector('select[data-filter="lang"]');sel.value="de";sel.dispatchEvent(new Event("change"));
r.after=visible().length;r.langs_after=visible().map(function(t){return t.getAttribute("data-f-lang");});
r.drill_visible=[].filter.call(d.querySelectorAll("#drilldown li"),function(x){return !x.hidden;}).map(function(x){return x.getAttribute("data-f-lang");});
sel.value="";sel.dispatchEvent(new Event("change"));
var th=d.querySelectorAll("#responses thead th")[1];th.click();
r.scores_sorted=visible().map(function(t){return +t.cells[1].getAttribute("data-v");});
th.click();r.scores_desc=visible().map(function(t){return +t.cells[1].getAttribute("data-v");});
r.status=d.getElementById("status").textContent;
r.resources=performance.getEntriesByType("resource").map(function(e){return e.name;});
r.violations=window.__v;
var pre=d.createElement("pre");pre.id="probe-result";pre.textContent=JSON.stringify(r);d.body.appendChild(pre);},0);});"##;

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
    let csp_at = html.find("script-src ").expect("script-src in the CSP") + "script-src ".len();
    let mut probed = html.clone();
    probed.insert_str(csp_at, &format!("{} ", csp_hash(PROBE)));
    let head_end = probed.find("<title>").unwrap();
    probed.insert_str(head_end, &format!("<script>{PROBE}</script>"));
    let probe_path = w.write("out/probe.html", probed);
    let dom = dump_dom(&chrome, &file_url(&probe_path), &w.path("net2.json"));
    let at = dom.find(r#"<pre id="probe-result">"#).expect("probe ran")
        + r#"<pre id="probe-result">"#.len();
    let json = &dom[at..at + dom[at..].find("</pre>").unwrap()];
    let json = json
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let r: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));

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
    no_page_requests_in(&w.path("net2.json"));
}
