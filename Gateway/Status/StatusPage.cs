namespace ModMesh.Gateway.Status;

/// <summary>The status page: plain HTML, inline style and script, no external assets (works air-gapped).</summary>
internal static class StatusPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>ModMesh status</title>
        <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2330;background:#fafbfc}
        h1{font-size:1.3rem;margin:0 0 .2rem} h2{font-size:1rem;margin:1.4rem 0 .4rem}
        table{border-collapse:collapse;min-width:32rem} th,td{padding:.3rem .7rem;border-bottom:1px solid #e2e5ea;text-align:left}
        th{font-weight:600;color:#555} .ok{color:#127a3a;font-weight:600} .bad{color:#b3261e;font-weight:600} .warn{color:#8a5a00;font-weight:600}
        #summary{font-size:1.05rem;padding:.4rem .7rem;border-radius:4px;display:inline-block} #summary.ok{background:#e6f4ea} #summary.bad{background:#fce8e6}
        #error{color:#b3261e} .row{display:flex;gap:2.5rem;flex-wrap:wrap} .muted{color:#777}
        </style></head>
        <body>
        <h1>ModMesh</h1>
        <div id="summary">loading…</div> <span id="updated" class="muted"></span><div id="error"></div>
        <h2>Cache nodes</h2>
        <table id="nodes"><thead><tr><th>node</th><th>state</th><th>active</th><th>passive</th><th>in flight</th><th>last probe</th><th>report</th><th>tier hits</th><th>store hits</th><th>local tier use</th></tr></thead><tbody></tbody></table>
        <div class="row">
        <div><h2>Requests, last minute</h2>
        <table id="kinds"><thead><tr><th>kind</th><th>requests</th><th>per s</th><th>5xx</th><th>p50 ms</th><th>p99 ms</th></tr></thead><tbody></tbody></table></div>
        <div><h2>Hit ratio by tier</h2>
        <table id="tiers"><thead><tr><th>tier</th><th>hit ratio</th><th>hits</th><th>misses</th></tr></thead><tbody></tbody></table>
        <h2>Fill queue</h2><div id="queue">—</div></div>
        </div>
        <h2>Recent fills</h2>
        <table id="fills"><thead><tr><th>ended</th><th>module</th><th>version</th><th>file</th><th>outcome</th><th>ms</th><th>by</th><th>upstream</th><th>node</th></tr></thead><tbody></tbody></table>
        <h2>Upstreams</h2>
        <table id="upstreams"><thead><tr><th>upstream</th><th>state</th><th>requests</th><th>errors</th><th>last success</th><th>last failure</th><th>p50 ms</th><th>p99 ms (worst node)</th></tr></thead><tbody></tbody></table>
        <script>
        function cell(row, text, cls){const td=document.createElement('td');td.textContent=text;if(cls)td.className=cls;row.appendChild(td);}
        function fill(id, rows, make){const body=document.querySelector('#'+id+' tbody');body.replaceChildren();for(const r of rows){const tr=document.createElement('tr');make(tr,r);body.appendChild(tr);}}
        function pct(r){return r==null?'—':(100*r).toFixed(1)+'%';}
        function time(t){return t?new Date(t).toLocaleTimeString():'—';}
        function bytes(n){if(n==null)return '—';const u=['B','KiB','MiB','GiB','TiB'];let i=0;while(n>=1024&&i<u.length-1){n/=1024;i++;}return n.toFixed(i?1:0)+' '+u[i];}
        function age(s){return s==null?'—':s<90?s.toFixed(0)+' s':(s/60).toFixed(1)+' min';}
        async function refresh(){
          try{
            const s=await (await fetch('status.json',{cache:'no-store'})).json();
            const c=s.cluster||{nodes:[],recentFills:[],upstreams:[],tier:{},store:{}};
            const details={};for(const d of c.nodes)details[d.node]=d;
            document.getElementById('error').textContent='';
            const all=s.nodesInService===s.nodes.length&&s.nodes.length>0;
            const summary=document.getElementById('summary');
            summary.textContent=s.nodesInService+' of '+s.nodes.length+' cache nodes in service · up '+s.uptime.split('.')[0];
            summary.className=all?'ok':'bad';
            document.getElementById('updated').textContent='updated '+new Date(s.now).toLocaleTimeString();
            fill('nodes', s.nodes, (tr,n)=>{const d=details[n.node];tr.dataset.node=n.node;tr.dataset.state=n.inService?'in service':'out';
              cell(tr,n.node);cell(tr,n.inService?'in service':'OUT',n.inService?'ok':'bad');cell(tr,n.active);cell(tr,n.passive);cell(tr,String(n.inFlight));
              cell(tr,n.lastProbe?(n.lastProbe+' '+time(n.lastProbeAt)):'—',n.lastProbe&&n.lastProbe!=='success'?'bad':'');
              cell(tr,!d?(n.inService?'—':'not asked (out)'):d.reachable?'ok':d.problem,!d?'':d.reachable?'ok':'bad');
              cell(tr,d?pct(d.tierHitRatio):'—');cell(tr,d?pct(d.storeHitRatio):'—');
              cell(tr,d&&d.reachable&&d.memoryLimitBytes!=null?('mem '+bytes(d.memoryBytes)+' / '+bytes(d.memoryLimitBytes)+' · disk '+bytes(d.diskBytes)+' / '+bytes(d.diskLimitBytes)):'—');});
            fill('kinds', s.lastMinute, (tr,k)=>{cell(tr,k.kind);cell(tr,String(k.requests));cell(tr,(k.requests/60).toFixed(2));cell(tr,String(k.serverErrors),k.serverErrors?'bad':'');cell(tr,k.p50Milliseconds.toFixed(1));cell(tr,k.p99Milliseconds.toFixed(1));});
            const g=s.cache;
            fill('tiers', [['gateway memory',g.hitRatio,g.hits,g.misses],['node-local tier',c.tier.ratio,c.tier.hits,c.tier.misses],['store (else a fill)',c.store.ratio,c.store.hits,c.store.misses]],
              (tr,t)=>{cell(tr,t[0]);cell(tr,pct(t[1]));cell(tr,t[2]==null?'—':String(t[2]));cell(tr,t[3]==null?'—':String(t[3]));});
            const q=c.queue;document.getElementById('queue').textContent=q?(q.jobs+' job(s) waiting or running · oldest '+age(q.oldestAgeSeconds)+' · measured '+time(q.measuredAt)):'not measured';
            document.getElementById('queue').className=q&&q.oldestAgeSeconds>60?'warn':'';
            fill('fills', c.recentFills, (tr,f)=>{cell(tr,time(f.at));cell(tr,f.module);cell(tr,f.version);cell(tr,f.file);cell(tr,f.outcome,f.outcome==='Ok'?'ok':f.outcome==='NotFound'?'':'bad');cell(tr,f.milliseconds.toFixed(0));cell(tr,f.by);cell(tr,f.upstream||'—');cell(tr,f.node);});
            fill('upstreams', c.upstreams, (tr,u)=>{const failing=u.lastFailure&&(!u.lastSuccess||u.lastFailure>u.lastSuccess);
              cell(tr,u.upstream);cell(tr,failing?'failing: '+(u.lastFailureReason||''):'ok',failing?'bad':'ok');cell(tr,String(u.requests));cell(tr,String(u.errors),u.errors?'warn':'');
              cell(tr,time(u.lastSuccess));cell(tr,u.lastFailure?time(u.lastFailure)+' '+(u.lastFailureReason||''):'—');cell(tr,u.p50Milliseconds.toFixed(1));cell(tr,u.p99Milliseconds.toFixed(1));});
          }catch(e){document.getElementById('error').textContent='status unavailable: '+e;}
        }
        refresh();setInterval(refresh,2000);
        </script>
        </body></html>
        """;
}
