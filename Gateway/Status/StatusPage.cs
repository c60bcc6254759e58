namespace ModMesh.Gateway.Status;

/// <summary>The status page: plain HTML, inline style and script, no external assets (works air-gapped).</summary>
internal static class StatusPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>ModMesh status</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2330;background:#fafbfc}
        h1{font-size:1.3rem;margin:0 0 .2rem} h2{font-size:1rem;margin:1.4rem 0 .4rem}
        table{border-collapse:collapse;min-width:32rem} th,td{padding:.3rem .7rem;border-bottom:1px solid #e2e5ea;text-align:left}
        th{font-weight:600;color:#555} .ok{color:#127a3a;font-weight:600} .bad{color:#b3261e;font-weight:600}
        #summary{font-size:1.05rem} #error{color:#b3261e}
        </style></head>
        <body>
        <h1>ModMesh</h1>
        <div id="summary">loading…</div><div id="error"></div>
        <h2>Cache nodes</h2>
        <table id="nodes"><thead><tr><th>node</th><th>state</th><th>active</th><th>passive</th><th>in flight</th><th>last probe</th></tr></thead><tbody></tbody></table>
        <h2>Requests, last minute</h2>
        <table id="kinds"><thead><tr><th>kind</th><th>requests</th><th>5xx</th><th>p50 ms</th><th>p99 ms</th></tr></thead><tbody></tbody></table>
        <h2>Gateway memory cache</h2>
        <div id="cache"></div>
        <script>
        function cell(row, text, cls){const td=document.createElement('td');td.textContent=text;if(cls)td.className=cls;row.appendChild(td);}
        function fill(id, rows, make){const body=document.querySelector('#'+id+' tbody');body.replaceChildren();for(const r of rows){const tr=document.createElement('tr');make(tr,r);body.appendChild(tr);}}
        async function refresh(){
          try{
            const s=await (await fetch('status.json',{cache:'no-store'})).json();
            document.getElementById('error').textContent='';
            document.getElementById('summary').textContent=s.nodesInService+' of '+s.nodes.length+' cache nodes in service · up '+s.uptime.split('.')[0];
            fill('nodes', s.nodes, (tr,n)=>{cell(tr,n.node);cell(tr,n.inService?'in service':'out',n.inService?'ok':'bad');cell(tr,n.active);cell(tr,n.passive);cell(tr,String(n.inFlight));cell(tr,n.lastProbe?(n.lastProbe+' '+new Date(n.lastProbeAt).toLocaleTimeString()):'—');});
            fill('kinds', s.lastMinute, (tr,k)=>{cell(tr,k.kind);cell(tr,String(k.requests));cell(tr,String(k.serverErrors),k.serverErrors?'bad':'');cell(tr,k.p50Milliseconds.toFixed(1));cell(tr,k.p99Milliseconds.toFixed(1));});
            const c=s.cache;document.getElementById('cache').textContent=(c.hitRatio==null?'no lookups yet':('hit ratio '+(100*c.hitRatio).toFixed(1)+'%'))+' ('+c.hits+' hits, '+c.misses+' misses)';
          }catch(e){document.getElementById('error').textContent='status unavailable: '+e;}
        }
        refresh();setInterval(refresh,2000);
        </script>
        </body></html>
        """;
}
