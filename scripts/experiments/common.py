import json, numpy as np
import os
D=os.environ.get('EXP_DATA', '.cache/experiments')
STRONG='gpt-4-1106-preview'; WEAK='mistralai/Mixtral-8x7B-Instruct-v0.1'
def items(b): return json.load(open(f'{D}/{b}.items.json'))
def emb(b, name):
    n=len(items(b)); x=np.fromfile(f'{D}/{b}.{name}.f32',dtype=np.float32); return x.reshape(n,-1).astype(np.float64)
def folds(b): return np.array(json.load(open(f'{D}/{b}.folds.json')))
def pair(b):
    it=items(b); s=np.array([i['scores'].get(STRONG,np.nan) for i in it],float); w=np.array([i['scores'].get(WEAK,np.nan) for i in it],float); return s,w
def _q(sorted_, q):
    p=(len(sorted_)-1)*q; lo=int(np.floor(p)); hi=min(lo+1,len(sorted_)-1); return sorted_[lo]+(sorted_[hi]-sorted_[lo])*(p-lo)
def apgr(win, s, w, bins=10):
    """RouteLLM curve APGR (matches src/evaluation/Metrics.ts)."""
    win=np.asarray(win,float); srt=np.sort(win); pts=[]
    for e in range(bins+1):
        t=_q(srt,e/bins); to=(win>t) if e==bins else (win>=t)
        pts.append((to.mean(), np.where(to,s,w).mean(), e))
    pts.sort(key=lambda p:(p[0],p[2])); x=np.array([p[0] for p in pts]); y=np.array([p[1] for p in pts])
    auc=np.sum((x[1:]-x[:-1])*(y[1:]+y[:-1])/2); width=x[-1]-x[0]
    return (auc-w.mean()*width)/(s.mean()*width-w.mean()*width)
def apgr_exact(win, s, w):
    win=np.asarray(win,float); o=np.argsort(-win,kind='stable'); n=len(win); tot=w.sum(); xs=[0.0]; ys=[tot/n]
    for k in range(n):
        i=o[k]; tot+=s[i]-w[i]
        if k==n-1 or win[o[k+1]]!=win[i]: xs.append((k+1)/n); ys.append(tot/n)
    xs=np.array(xs); ys=np.array(ys); auc=np.sum((xs[1:]-xs[:-1])*(ys[1:]+ys[:-1])/2)
    return (auc-w.mean())/(s.mean()-w.mean())
