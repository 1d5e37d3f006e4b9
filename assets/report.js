(function(){"use strict";
var d=document,A=Array.prototype;d.documentElement.classList.add("js");
function key(td){if(!td)return"";var v=td.getAttribute("data-v");if(v!==null&&v!==""&&!isNaN(+v))return +v;if(td.classList.contains("n"))return -Infinity;return td.textContent.trim().toLowerCase();}
A.forEach.call(d.querySelectorAll("table.sortable"),function(t){var hs=t.tHead.rows[0].cells;A.forEach.call(hs,function(th,i){th.tabIndex=0;
function go(){var asc=th.getAttribute("aria-sort")!=="ascending";A.forEach.call(hs,function(h){h.removeAttribute("aria-sort");});th.setAttribute("aria-sort",asc?"ascending":"descending");
var b=t.tBodies[0],r=A.slice.call(b.rows);r.sort(function(x,y){var p=key(x.cells[i]),q=key(y.cells[i]),c=(typeof p==="number"&&typeof q==="number")?(p<q?-1:p>q?1:0):String(p).localeCompare(String(q));return asc?c:-c;});r.forEach(function(row){b.appendChild(row);});}
th.addEventListener("click",go);th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();go();}});});});
var sels=d.querySelectorAll("select[data-filter]"),status=d.getElementById("status");
function apply(){var f=[];A.forEach.call(sels,function(s){if(s.value!=="")f.push([s.getAttribute("data-filter"),s.value]);});var shown=0,total=0;
A.forEach.call(d.querySelectorAll(".filterable"),function(el){var ok=f.every(function(p){return el.getAttribute("data-f-"+p[0])===p[1];});el.hidden=!ok;if(el.tagName==="TR"){total++;if(ok)shown++;}});
if(status)status.textContent=shown+" of "+total+" responses shown"+(f.length?" (filtered)":"");}
A.forEach.call(sels,function(s){s.addEventListener("change",apply);});
var h=location.hash;if(h.indexOf("#filter:")===0){h.slice(8).split("&").forEach(function(kv){var i=kv.indexOf("=");if(i<1)return;var k=decodeURIComponent(kv.slice(0,i)),v=decodeURIComponent(kv.slice(i+1));
A.forEach.call(sels,function(s){if(s.getAttribute("data-filter")===k&&A.some.call(s.options,function(o){return o.value===v;}))s.value=v;});});}
apply();
window.addEventListener("beforeprint",function(){A.forEach.call(d.querySelectorAll("details"),function(x){x.open=true;});});
})();
