(function(){"use strict";
// report.html's only script (allowed by its hash). It never turns data into markup: it toggles
// `hidden`, reorders rows, and writes numbers and labels through textContent.
var d=document,A=Array.prototype,root=d.documentElement;root.classList.add("js");
function key(td){if(!td)return"";var v=td.getAttribute("data-v");if(v!==null&&v!==""&&!isNaN(+v))return +v;if(td.classList.contains("n"))return -Infinity;return td.textContent.trim().toLowerCase();}
// Sorting: a click, Enter or Space on a header of a sortable table.
function sortRows(t,i,asc){var b=t.tBodies[0],r=A.slice.call(b.rows);r.sort(function(x,y){var p=key(x.cells[i]),q=key(y.cells[i]),c=(typeof p==="number"&&typeof q==="number")?(p<q?-1:p>q?1:0):String(p).localeCompare(String(q));return asc?c:-c;});r.forEach(function(row){b.appendChild(row);});}
A.forEach.call(d.querySelectorAll("table.sortable"),function(t){if(!t.tHead)return;var hs=t.tHead.rows[0].cells;A.forEach.call(hs,function(th,i){th.tabIndex=0;
function go(){var asc=th.getAttribute("aria-sort")!=="ascending";A.forEach.call(hs,function(h){h.removeAttribute("aria-sort");});th.setAttribute("aria-sort",asc?"ascending":"descending");sortRows(t,i,asc);}
th.addEventListener("click",go);th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();go();}});});});
// Chart details by keyboard: every bar and point with a <title> takes the focus and is named by it.
A.forEach.call(d.querySelectorAll("svg.chart title"),function(ti){var p=ti.parentNode;if(p&&p.tagName!=="svg"){p.setAttribute("tabindex","0");p.setAttribute("role","img");p.setAttribute("aria-label",ti.textContent);}});

// The per-response data block (see src/report/responses.rs): null when missing or unreadable.
var D=null;try{var el=d.getElementById("npsight-data");if(el)D=JSON.parse(el.textContent);}catch(e){D=null;}
var full=!!(D&&D.complete&&D.rows);
function num(x,k){var s=x.toFixed(k);return /^-?[0.]*$/.test(s)?s.replace("-",""):s;}
function signed(x,k){if(x===null)return"–";var s=num(x,k);return x>0&&/[1-9]/.test(s)?"+"+s:s;}
function pct(x,k){return x===null?"–":num(100*x,k)+"%";}
function opt(x,k){return x===null?"–":num(x,k);}
function C(){return {p:0,d:0,n:0};}
function add(c,s){c.n++;if(s>=9)c.p++;else if(s<=6)c.d++;}
function minus(a,b){return {p:a.p-b.p,d:a.d-b.d,n:a.n-b.n};}
function nps(c){return c.n>0?100*(c.p-c.d)/c.n:null;}
function drate(c){return c.n>0?c.d/c.n:null;}
function loo(all,g){if(g.n===0)return 0;var a=nps(all),b=nps(minus(all,g));return a===null||b===null?null:a-b;}
// The theme table's figures for the responses matching every filter (the same definitions as
// src/stats: leave-one-out impact = NPS(all) - NPS(all without the mentioners)).
// Whether a response matches every filter.
function matcher(f){var want=[];f.forEach(function(p){if(p[0]==="lang")want.push([-1,D.langs.indexOf(p[1])]);else{var c=+p[0],col=D.cols[c];want.push([c,col?col[1].indexOf(p[1]):-1]);}});
return function(r){for(var k=0;k<want.length;k++){var w=want[k],v=w[0]<0?r[1]:r[3][w[0]];if(w[1]<0||v!==w[1])return false;}return true;};}
function compute(f){var nt=D.themes.length,all=C(),com=C(),m=[],neg=[],pos=[],i,ok=matcher(f);
for(i=0;i<nt;i++){m.push(C());neg.push(C());pos.push(C());}
D.rows.forEach(function(r){if(!ok(r))return;
add(all,r[0]);if(r[1]<0)return;add(com,r[0]);var seen={};
r[4].forEach(function(x){var t=x>>2,pl=x&3;if(!seen[t]){seen[t]=1;add(m[t],r[0]);}if(pl===1)add(neg[t],r[0]);else if(pl===2)add(pos[t],r[0]);});});
var out={};D.themes.forEach(function(th,t){var rest=minus(com,m[t]),w=drate(m[t]),wo=drate(rest);
out[th[0]]={name:th[1],mentions:m[t].n,share:com.n>0?m[t].n/com.n:null,npsm:nps(m[t]),dw:w,dwo:wo,lift:(w!==null&&wo!==null&&wo>0)?w/wo:null,impact:loo(all,m[t]),ineg:loo(all,neg[t]),ipos:loo(all,pos[t])};});
return {n:all.n,rate:drate(all),themes:out};}

var sels=d.querySelectorAll("select[data-filter]"),status=d.getElementById("status"),search=d.getElementById("search");
var table=d.getElementById("theme-table"),saved=null,notes=[],chart=null;
function note(where,before){var p=d.createElement("p");p.className="filter-note";p.hidden=true;p.setAttribute("role","status");if(before)where.insertBefore(p,before);else where.appendChild(p);notes.push(p);}
var themes=d.getElementById("themes"),drivers=d.getElementById("drivers");
if(themes&&table)note(themes,table.parentNode);if(drivers)note(drivers,drivers.querySelector("svg,p+p"));
// The heatmaps the data block can recompute (see heatFill); the sections the filters do not
// recompute say so while a filter is on.
// A table's segment column (data-col) as its index in the data block; -1 when not carried.
function colIndex(t){var name=t.getAttribute("data-col"),ci=-1;if(D&&D.cols)D.cols.forEach(function(c,i){if(c[0]===name&&ci<0)ci=i;});return ci;}
function colTables(sel){return A.filter.call(d.querySelectorAll(sel),function(t){return colIndex(t)>=0;});}
var heats=colTables("table.heat[data-col]"),heatSaved=null;
var segs=colTables("table.segtable[data-col]"),segSaved=null;
var stale=[];["trend","driver-model"].concat(D&&D.rows?[]:["priority"]).concat(heats.length?[]:["heatmap"]).concat(segs.length?[]:["segments"]).concat(D&&D.rows?[]:["topic-sentiment"]).forEach(function(id){var sec=d.getElementById(id),h=sec&&sec.querySelector("h2");if(!h)return;var p=d.createElement("p");p.className="filter-note";p.hidden=true;sec.insertBefore(p,h.nextSibling);stale.push([sec,p]);});
function mark(label){stale.forEach(function(x){x[0].classList.toggle("stale",!!label);x[1].hidden=!label;x[1].textContent=label?"For the whole file: this section is not recomputed for the filter ("+label+").":"";});}
function say(text){notes.forEach(function(p){p.textContent=text;p.hidden=!text;});var c=d.querySelector("#theme-table .filter-caption");if(c)c.textContent=text?" (filtered)":"";}
// Theme table: the recomputable columns (Mentions ... Positive mentions) and the whole-file ones.
var COLS=[["mentions",0,null],["share",1,pct],["npsm",1,signed],["dw",0,pct],["dwo",0,pct],["lift",2,opt],["impact",1,signed],["ineg",1,signed],["ipos",1,signed]];
var order=null,FEW=30;
function restore(){if(!saved)return;if(order)order.forEach(function(tr){table.tBodies[0].appendChild(tr);});A.forEach.call(table.tHead.rows[0].cells,function(h){h.removeAttribute("aria-sort");});
A.forEach.call(table.tBodies[0].rows,function(tr){var s=saved[tr.getAttribute("data-theme")];if(!s)return;tr.classList.remove("few");if(tr.cells[2])tr.cells[2].removeAttribute("title");A.forEach.call(tr.cells,function(td,i){if(s[i]){td.textContent=s[i][0];if(s[i][1]===null)td.removeAttribute("data-v");else td.setAttribute("data-v",s[i][1]);td.classList.remove("whole");td.removeAttribute("title");}});});saved=null;order=null;}
function fill(res){if(!order)order=A.slice.call(table.tBodies[0].rows);if(!saved){saved={};A.forEach.call(table.tBodies[0].rows,function(tr){saved[tr.getAttribute("data-theme")]=A.map.call(tr.cells,function(td){return [td.textContent,td.getAttribute("data-v")];});});}
A.forEach.call(table.tBodies[0].rows,function(tr){var t=res.themes[tr.getAttribute("data-theme")];if(!t)return;
COLS.forEach(function(c,k){var td=tr.cells[2+k],v=t[c[0]];if(!td)return;td.textContent=c[2]?c[2](v,c[1]):String(v);if(v===null)td.removeAttribute("data-v");else td.setAttribute("data-v",String(v));});
for(var i=2+COLS.length;i<tr.cells.length;i++){tr.cells[i].classList.add("whole");tr.cells[i].title="for the whole file, not recomputed for the filter";}
var few=t.mentions<FEW;tr.classList.toggle("few",few);if(tr.cells[2]){if(few)tr.cells[2].title="fewer than "+FEW+" mentions in the filtered responses: indicative only";else tr.cells[2].removeAttribute("title");}});
// Re-ranked for the filter: by the header the reader sorted on, else by impact, most damaging first.
var hs=table.tHead.rows[0].cells,on=A.filter.call(hs,function(h){return h.hasAttribute("aria-sort");})[0];
if(on)sortRows(table,A.indexOf.call(hs,on),on.getAttribute("aria-sort")==="ascending");else{var b=table.tBodies[0],r=A.slice.call(b.rows),v=function(tr,i){var x=tr.cells[i]&&tr.cells[i].getAttribute("data-v");return x===null||x===""||x===undefined?null:+x;};
r.sort(function(x,y){var p=v(x,8),q=v(y,8);if(p===null&&q===null)return (v(y,2)||0)-(v(x,2)||0);if(p===null)return 1;if(q===null)return -1;return p-q||(v(y,2)||0)-(v(x,2)||0);});r.forEach(function(row){b.appendChild(row);});}}
// Heatmaps: each segment value's share of comments mentioning each theme, for the filtered
// responses (the same definitions as report::heatmaps); values the data block lacks show "–".
function heatCells(fn){heats.forEach(function(t){A.forEach.call(t.tBodies[0].rows,function(tr){A.forEach.call(tr.cells,function(td,i){if(i>0)fn(t,tr,td,i);});});});}
function heatRestore(){if(!heatSaved)return;var k=0;heatCells(function(t,tr,td){var s=heatSaved[k++];td.textContent=s[0];if(s[1]===null)td.removeAttribute("data-v");else td.setAttribute("data-v",s[1]);td.style.background=s[2];td.title=s[3];td.className=s[4];});heatSaved=null;}
function heatFill(f){if(!heatSaved){heatSaved=[];heatCells(function(t,tr,td){heatSaved.push([td.textContent,td.getAttribute("data-v"),td.style.background,td.title,td.className]);});}
var ok=matcher(f);heats.forEach(function(t){var ci=colIndex(t);var vals=D.cols[ci][1];
var ths=A.slice.call(t.tHead.rows[0].cells,2),ids=ths.map(function(th){var id=th.getAttribute("data-theme");for(var j=0;j<D.themes.length;j++)if(D.themes[j][0]===id)return j;return -1;});
var com={},men={};D.rows.forEach(function(r){if(!ok(r)||r[1]<0)return;var v=r[3][ci];if(v===null||v===undefined||v<0)return;com[v]=(com[v]||0)+1;var seen={};r[4].forEach(function(x){var th=x>>2;if(seen[th])return;seen[th]=1;var k=v+":"+th;if(!men[k])men[k]=C();add(men[k],r[0]);});});
var rows=A.map.call(t.tBodies[0].rows,function(tr){return vals.indexOf(tr.getAttribute("data-value"));}),max=0;
rows.forEach(function(v){ids.forEach(function(th){var c=men[v+":"+th];if(v>=0&&c&&com[v])max=Math.max(max,c.n/com[v]);});});
A.forEach.call(t.tBodies[0].rows,function(tr,ri){var v=rows[ri],n=v>=0?(com[v]||0):null,c1=tr.cells[1];c1.textContent=n===null?"–":String(n);if(n===null)c1.removeAttribute("data-v");else c1.setAttribute("data-v",String(n));
ids.forEach(function(th,j){var td=tr.cells[2+j],c=(v>=0&&th>=0)?men[v+":"+th]:null;if(!td)return;
if(c&&n){var sh=c.n/n;td.className="h";td.setAttribute("data-v",String(sh));td.textContent=pct(sh,0);td.style.background="rgba(214,69,69,"+(0.08+0.72*(max>0?sh/max:0)).toFixed(2)+")";td.title=tr.getAttribute("data-value")+" · "+D.themes[th][1]+": "+c.n+" of "+n+" comments ("+pct(sh,1)+"), NPS of mentioners "+signed(nps(c),1)+" (filtered)";}
else{td.className="h small";td.setAttribute("data-v","0");td.textContent=n===null?"–":"·";td.style.background="";td.title=n===null?"not in the filtered data":"";}});});});}

// Segment tables (`segs`, above): each value's responses, comments, NPS and its 95 % interval
// (as stats::nps::interval95) for the filtered responses; the tested columns stay the whole file's.
function ci95(c){if(!c.n)return null;var m=c.n+3,p=(c.p+0.75)/m,q=(c.d+0.75)/m,z=p-q,se=Math.sqrt(Math.max(p+q-z*z,0)/m),o=nps(c);return [Math.min(Math.max(100*(z-1.959963984540054*se),-100),o),Math.max(Math.min(100*(z+1.959963984540054*se),100),o)];}
function segRows(fn){segs.forEach(function(t){A.forEach.call(t.tBodies[0].rows,function(tr){fn(t,tr);});});}
function segRestore(){if(!segSaved)return;var k=0;segRows(function(t,tr){var s=segSaved[k++];tr.className=s[0];A.forEach.call(tr.cells,function(td,i){var c=s[1][i];td.textContent=c[0];if(c[1]===null)td.removeAttribute("data-v");else td.setAttribute("data-v",c[1]);td.className=c[2];td.title=c[3];});});segSaved=null;}
function segFill(f){if(!segSaved){segSaved=[];segRows(function(t,tr){segSaved.push([tr.className,A.map.call(tr.cells,function(td){return [td.textContent,td.getAttribute("data-v"),td.className,td.title];})]);});}
var ok=matcher(f);segs.forEach(function(t){var ci=colIndex(t);var vals=D.cols[ci][1],all={},com={};
D.rows.forEach(function(r){if(!ok(r))return;var v=r[3][ci];if(v===null||v===undefined||v<0)return;if(!all[v])all[v]=C();add(all[v],r[0]);if(r[1]>=0)com[v]=(com[v]||0)+1;});
A.forEach.call(t.tBodies[0].rows,function(tr){var v=vals.indexOf(tr.getAttribute("data-value")),c=v>=0?(all[v]||C()):null,iv=c?ci95(c):null,cells=tr.cells;
var put=function(i,text,val){cells[i].textContent=text;if(val===null)cells[i].removeAttribute("data-v");else cells[i].setAttribute("data-v",String(val));};
put(1,c?String(c.n):"–",c?c.n:null);put(2,c?String(com[v]||0):"–",c?(com[v]||0):null);put(3,c?signed(nps(c),1):"–",c?nps(c):null);cells[4].textContent=iv?signed(iv[0],1)+" to "+signed(iv[1],1):"–";
for(var i=5;i<cells.length;i++){cells[i].classList.add("whole");cells[i].title="for the whole file, not recomputed for the filter";}
tr.classList.toggle("small",!c||c.n<FEW);});});}

// The priority chart for the filtered responses (as output::report_html::quadrant_svg): each
// theme's share of comments (x) and the detractor rate of its mentioners (y), bubbles by
// mentions, coloured by group; names placed most-mentioned first where they overlap no other
// name and no bubble (output::chart::place_labels' candidates); a name with no room is left
// to the bubble's tooltip.
var quadChart=null;
function niceTicks(hi,target){var raw=hi/(target-1),mag=Math.pow(10,Math.floor(Math.log(raw)/Math.LN10)),nm=raw/mag,step=(nm>=Math.sqrt(50)?10:nm>=Math.sqrt(10)?5:nm>=Math.SQRT2?2:1)*mag,out=[];for(var k=0;k<=Math.ceil(hi/step-1e-9);k++)out.push(+(k*step).toFixed(10));return out;}
function quadDraw(f,res,label){if(quadChart){quadChart.parentNode.removeChild(quadChart);quadChart=null;}var o=d.getElementById("quadrant-chart");if(o)o.style.display=f?"none":"";if(!f||!o)return;
var pts=[];D.themes.forEach(function(th){var t=res.themes[th[0]];if(t&&t.mentions>0&&t.share!==null&&t.dw!==null)pts.push({name:th[1],group:th[2]||"",colour:th[3]||"#5b6475",m:t.mentions,x:t.share,y:t.dw});});
pts.sort(function(a,b){return b.m-a.m||(a.name<b.name?-1:a.name>b.name?1:0);});
var W=760,H=460,left=64,top=40,iw=W-left-16,ih=H-top-52,bottom=top+ih;
var s=sv("svg",{"class":"chart","id":"quadrant-filtered-chart",role:"group",viewBox:"0 0 "+W+" "+H,width:"100%"});s.style.maxWidth=W+"px";o.parentNode.insertBefore(s,o.nextSibling);quadChart=s;
var tt=sv("text",{x:4,y:16},s);tt.textContent="Filtered ("+label+"): "+res.n+" responses";
if(!pts.length){sv("text",{x:4,y:40},s).textContent="No theme is mentioned in the filtered responses.";return;}
// The groups' colours, after the title.
var lx=4+tt.getComputedTextLength()+20,seen={};pts.map(function(p){return [p.group,p.colour];}).sort().forEach(function(g){if(seen[g[0]])return;seen[g[0]]=1;sv("circle",{cx:lx,cy:12,r:5,fill:g[1],"fill-opacity":"0.75"},s);var t=sv("text",{"class":"legend",x:lx+9,y:16},s);t.textContent=g[0];lx+=9+t.getComputedTextLength()+16;});
var xt=niceTicks(Math.max(0.01,Math.max.apply(null,pts.map(function(p){return p.x;}))),6),xm=xt[xt.length-1],xd=(xt[1]-xt[0])*100>=1?0:1,yt=[0,0.2,0.4,0.6,0.8,1];
function px(x){return left+x/xm*iw;}function py(y){return bottom-y*ih;}
sv("rect",{x:left,y:top,width:iw,height:ih,fill:"#fff",stroke:"#dde1e7"},s);
xt.forEach(function(x){sv("line",{x1:px(x).toFixed(1),x2:px(x).toFixed(1),y1:top,y2:bottom,stroke:"#eef0f3"},s);sv("text",{x:px(x).toFixed(1),y:bottom+16,"text-anchor":"middle"},s).textContent=pct(x,xd);});
yt.forEach(function(y){sv("line",{x1:left,x2:left+iw,y1:py(y).toFixed(1),y2:py(y).toFixed(1),stroke:"#eef0f3"},s);sv("text",{x:left-6,y:(py(y)+4).toFixed(1),"text-anchor":"end"},s).textContent=pct(y,0);});
sv("text",{x:left+iw/2,y:H-10,"text-anchor":"middle"},s).textContent="share of comments mentioning the theme";
sv("text",{x:14,y:top+ih/2,transform:"rotate(-90 14 "+(top+ih/2)+")","text-anchor":"middle"},s).textContent="detractor rate of mentioners";
var placed=[],area={x:left+2,y:top+2,w:iw-4,h:ih-4};
if(res.rate!==null){var oy=py(res.rate);sv("line",{x1:left,x2:left+iw,y1:oy.toFixed(1),y2:oy.toFixed(1),stroke:"#d64545","stroke-dasharray":"4 3"},s);var ot=sv("text",{x:0,y:(oy-4).toFixed(1)},s);ot.textContent="overall detractor rate";var ow=ot.getComputedTextLength();ot.setAttribute("x",(left+iw-4-ow).toFixed(1));placed.push({x:left+iw-4-ow,y:oy-4-15+3.5,w:ow,h:15});}
var dots=pts.map(function(p){return {cx:px(p.x),cy:py(p.y),r:4+Math.min(Math.sqrt(p.m),14)};}),obst=dots.map(function(q){return {x:q.cx-q.r,y:q.cy-q.r,w:2*q.r,h:2*q.r};});
function ov(a,b){return a.x<b.x+b.w&&b.x<a.x+a.w&&a.y<b.y+b.h&&b.y<a.y+a.h;}
function inside(a){return a.x>=area.x&&a.y>=area.y&&a.x+a.w<=area.x+area.w&&a.y+a.h<=area.y+area.h;}
pts.forEach(function(p,i){var q=dots[i],c=sv("circle",{"class":"point",cx:q.cx.toFixed(1),cy:q.cy.toFixed(1),r:q.r.toFixed(1),fill:p.colour,"fill-opacity":"0.6",stroke:p.colour,tabindex:"0",role:"img"},s),txt=p.name+" ("+p.group+"): "+pct(p.x,1)+" of comments, "+pct(p.y,0)+" detractors, "+p.m+" mentions (filtered)";c.setAttribute("aria-label",txt);sv("title",{},c).textContent=txt;});
pts.forEach(function(p,i){var q=dots[i],t=sv("text",{"class":"label",x:0,y:0},s);t.textContent=p.name;var w=t.getComputedTextLength(),h=15,g=3,R=q.cx+q.r+g,Lx=q.cx-q.r-g-w,mid=q.cy-h/2,cs=[[R,mid],[Lx,mid],[q.cx-w/2,q.cy-q.r-g-h],[q.cx-w/2,q.cy+q.r+g]],box=null,nudged=false;
for(var k=1;k<=8;k++)cs.push([R+6,mid-k*h],[Lx-6,mid-k*h],[R+6,mid+k*h],[Lx-6,mid+k*h]);
for(var j=0;j<cs.length&&!box;j++){var b={x:cs[j][0],y:cs[j][1],w:w,h:h};if(inside(b)&&!placed.some(function(z){return ov(z,b);})&&!obst.some(function(z){return ov(z,b);})){box=b;nudged=j>=4;}}
if(!box){s.removeChild(t);return;}placed.push(box);t.setAttribute("x",box.x.toFixed(1));t.setAttribute("y",(box.y+h-3.5).toFixed(1));
if(nudged){var tx=Math.min(Math.max(q.cx,box.x),box.x+box.w),ty=Math.min(Math.max(q.cy,box.y),box.y+box.h),dx=tx-q.cx,dy=ty-q.cy,len=Math.max(Math.sqrt(dx*dx+dy*dy),1e-9);sv("line",{x1:(q.cx+dx/len*q.r).toFixed(1),y1:(q.cy+dy/len*q.r).toFixed(1),x2:tx.toFixed(1),y2:ty.toFixed(1),stroke:"#8a93a3"},s);}});}

// Sentiment by theme for the filtered responses (the same view as report::topic_sentiment:
// each theme's mentions by their polarity, most-mentioned first), drawn in place of the page's.
var topicChart=null,TOPIC=[["negative","#d64545",1],["neutral","#aab1bd",0],["mixed","#e0a526",3],["positive","#2f9e5b",2]];
function topicDraw(f,label){if(topicChart){topicChart.parentNode.removeChild(topicChart);topicChart=null;}var o=d.getElementById("topic-sentiment-chart");if(o)o.style.display=f?"none":"";if(!f||!o)return;
var ok=matcher(f),cnt=D.themes.map(function(){return [0,0,0,0];});D.rows.forEach(function(r){if(ok(r))r[4].forEach(function(x){cnt[x>>2][x&3]++;});});
var list=[];cnt.forEach(function(c,t){var n=c[0]+c[1]+c[2]+c[3];if(n>0)list.push([t,n]);});list.sort(function(a,b){return b[1]-a[1]||a[0]-b[0];});
var L=230,BW=480,RH=22,top=34,W=L+BW+90,H=top+RH*Math.max(list.length,1)+6;
var s=sv("svg",{"class":"chart","id":"topic-filtered-chart",role:"group",viewBox:"0 0 "+W+" "+H,width:"100%"});s.style.maxWidth=W+"px";
sv("text",{x:4,y:14},s).textContent="Filtered";
TOPIC.forEach(function(k,i){sv("rect",{x:L+i*90,y:5,width:10,height:10,fill:k[1]},s);sv("text",{x:L+i*90+14,y:14},s).textContent=k[0];});
if(!list.length)sv("text",{x:4,y:top+14},s).textContent="No theme is mentioned in the filtered responses.";
list.forEach(function(e,i){var t=e[0],n=e[1],y=top+i*RH,x=L,name=D.themes[t][1];sv("text",{x:L-8,y:y+15,"text-anchor":"end"},s).textContent=name;
TOPIC.forEach(function(k){var c=cnt[t][k[2]];if(!c)return;var len=c/n*BW,r=sv("rect",{x:x.toFixed(1),y:y+3,width:len.toFixed(1),height:RH-6,fill:k[1],tabindex:"0",role:"img"},s),txt=name+": "+c+" of "+n+" mentions "+k[0]+" ("+pct(c/n,0)+", filtered)";r.setAttribute("aria-label",txt);sv("title",{},r).textContent=txt;
if(len>=String(c).length*7+6)sv("text",{x:(x+len/2).toFixed(1),y:y+15,"text-anchor":"middle"},s).textContent=String(c);x+=len;});
sv("text",{x:L+BW+8,y:y+15},s).textContent="n = "+n;});
o.parentNode.insertBefore(s,o.nextSibling);topicChart=s;}

// The filtered theme chart: leave-one-out impact of the filtered responses, most damaging first.
var NS="http://www.w3.org/2000/svg";
function sv(tag,at,parent){var e=d.createElementNS(NS,tag);for(var k in at)e.setAttribute(k,at[k]);if(parent)parent.appendChild(e);return e;}
function draw(res,label){if(chart){chart.parentNode.removeChild(chart);chart=null;}if(!res||!drivers)return;
var list=Object.keys(res.themes).map(function(id){return res.themes[id];}).filter(function(t){return t.mentions>0&&t.impact!==null;});
list.sort(function(a,b){return a.impact-b.impact||b.mentions-a.mentions;});list=list.slice(0,15);
var W=760,L=280,R=60,bh=22,H=34+list.length*bh,max=0.5;list.forEach(function(t){max=Math.max(max,Math.abs(t.impact));});
var neg=list.some(function(t){return t.impact<0;}),pos=list.some(function(t){return t.impact>0;}),span=W-L-R,zero=L+(neg&&pos?span/2:neg?span:0),sc=(neg&&pos?span/2:span)/max;
var s=sv("svg",{"class":"chart","id":"filtered-chart",role:"group",viewBox:"0 0 "+W+" "+H,width:"100%"});s.style.maxWidth=W+"px";
var ti=sv("text",{x:4,y:16},s);ti.textContent="Filtered ("+label+"): leave-one-out impact in NPS points, "+res.n+" responses; grey: fewer than "+FEW+" mentions";
if(!list.length){var e=sv("text",{x:4,y:34},s);e.textContent="No theme is mentioned in the filtered responses.";}
list.forEach(function(t,i){var y=28+i*bh,len=Math.abs(t.impact)*sc,x=t.impact<0?zero-len:zero;
var lb=sv("text",{x:220,y:y+15,"text-anchor":"end"},s);lb.textContent=t.name;
var few=t.mentions<FEW,r=sv("rect",{x:x,y:y+3,width:Math.max(len,1),height:bh-7,fill:few?"#aab1bd":t.impact<0?"#c23b3b":"#2f7d4f",tabindex:"0",role:"img"},s);
var txt=t.name+": "+signed(t.impact,1)+" pts, "+t.mentions+" mentions, NPS of mentioners "+signed(t.npsm,1)+(few?"; grey: fewer than "+FEW+" mentions, indicative only":"");r.setAttribute("aria-label",txt);sv("title",{},r).textContent=txt;
var v=sv("text",{x:t.impact<0?x-4:x+len+4,y:y+15,"text-anchor":t.impact<0?"end":"start"},s);v.textContent=signed(t.impact,1);});
sv("line",{x1:zero,x2:zero,y1:24,y2:H-4,stroke:"#5b6475"},s);
var orig=d.getElementById("driver-chart");if(orig)orig.parentNode.insertBefore(s,orig.nextSibling);else drivers.appendChild(s);chart=s;}
function showOrig(on){["driver-chart","driver-chart-narrow"].forEach(function(id){var o=d.getElementById(id);if(o)o.style.display=on?"":"none";});}

function words(){return search?search.value.toLocaleLowerCase().split(/\s+/).filter(function(w){return w;}):[];}
function apply(){var f=[],labels=[];A.forEach.call(sels,function(s){if(s.value!==""){f.push([s.getAttribute("data-filter"),s.value]);var l=s.parentNode.firstChild;labels.push((l&&l.nodeType===3?l.textContent.trim():s.getAttribute("data-filter"))+" "+s.value);}});
var ws=words(),shown=0,total=0,hits=0;
A.forEach.call(d.querySelectorAll(".filterable"),function(el){var ok=f.every(function(p){return el.getAttribute("data-f-"+p[0])===p[1];});
if(ok&&ws.length){var tx=(el.querySelector(".text")||el).textContent.toLocaleLowerCase();ok=ws.every(function(w){return tx.indexOf(w)>=0;});}
el.hidden=!ok;if(el.tagName==="TR"){total++;if(ok)shown++;}else if(ok)hits++;});
if(status)status.textContent=shown+" of "+total+" responses shown"+(ws.length?", "+hits+" drill-down comments match the search (the search narrows the comments shown; tables and charts are not recomputed for it)":"")+(f.length||ws.length?" (filtered)":"");
if(!f.length){restore();heatRestore();segRestore();topicDraw(null);quadDraw(null);draw(null);showOrig(true);say("");mark("");return;}
if(!full){say("This file has "+(D?D.n:"more")+" responses, more than the "+(D?D.cap:"")+" this page carries for recomputing: the filters narrow the verbatims only; every table and chart is for the whole file.");return;}
var res=compute(f),label=labels.join(", ");
if(table)fill(res);heatFill(f);segFill(f);topicDraw(f,label);quadDraw(f,res,label);draw(res,label);showOrig(false);mark(label);
say("Filtered ("+label+"): "+res.n+" of "+D.n+" responses. Mentions, shares, NPS and impacts in the theme table and chart, the priority chart, sentiment by theme"+(heats.length?", the heatmaps' shares":"")+(segs.length?", and each segment's responses, NPS and interval,":"")+" are recomputed for them and the table re-ranked; themes with fewer than "+FEW+" mentions in the filter are in italics (indicative only). q (significance), the driver model and the other sections are for the whole file.");}
A.forEach.call(sels,function(s){s.addEventListener("change",apply);});
if(search){search.addEventListener("input",apply);search.addEventListener("keydown",function(e){if(e.key==="Escape"){search.value="";apply();}});}
var h=location.hash;if(h.indexOf("#filter:")===0){h.slice(8).split("&").forEach(function(kv){var i=kv.indexOf("=");if(i<1)return;var k=decodeURIComponent(kv.slice(0,i)),v=decodeURIComponent(kv.slice(i+1));
if(k==="q"&&search){search.value=v;return;}
A.forEach.call(sels,function(s){if(s.getAttribute("data-filter")===k&&A.some.call(s.options,function(o){return o.value===v;}))s.value=v;});});}
apply();

// The one-page summary view (#summary or the button): headline, KPIs, top drivers and the driver chart.
var nav=d.querySelector("nav");
function summary(on){root.classList.toggle("summary-view",on);if(btn)btn.textContent=on?"Full report":"One-page summary";}
var btn=null;if(nav){btn=d.createElement("button");btn.type="button";btn.id="summary-toggle";btn.className="navbtn";nav.appendChild(btn);
btn.addEventListener("click",function(){var on=!root.classList.contains("summary-view");summary(on);try{history.replaceState(null,"",on?"#summary":location.pathname+location.search);}catch(e){}});
var pb=d.createElement("button");pb.type="button";pb.className="navbtn";pb.textContent="Print";pb.addEventListener("click",function(){window.print();});nav.appendChild(pb);}
summary(location.hash==="#summary");
window.addEventListener("hashchange",function(){summary(location.hash==="#summary");});
window.addEventListener("beforeprint",function(){A.forEach.call(d.querySelectorAll("details"),function(x){x.open=true;});});
})();
