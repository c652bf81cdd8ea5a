import os; os.environ.setdefault('OMP_NUM_THREADS','1'); os.environ.setdefault('OPENBLAS_NUM_THREADS','1')
import numpy as np, zlib
import sys as _sys; _sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from common import *

def load(b, name='static+hashing'):
    X=emb(b,name); X/=np.maximum(np.linalg.norm(X,axis=1,keepdims=True),1e-12)
    I=np.load(f'{D}/{b}.{name}.nnI.npy'); S=np.load(f'{D}/{b}.{name}.nnS.npy').astype(np.float64)
    return X,I,S

def inner_folds(prompts, idx, k=5, seed=1):
    # group by prompt text so duplicates stay together
    return np.array([(zlib.crc32(prompts[i].encode())+seed*7919) % k for i in idx])

def knn_multi(I, S, qidx, train_mask, y, settings):
    """returns dict (k,temp)->pred for queries qidx, neighbours restricted to train_mask."""
    Iq=I[qidx]; Sq=S[qidx]; M=train_mask[Iq]
    rank=np.cumsum(M,axis=1)
    top=np.where(M.any(1), Sq[np.arange(len(qidx)), M.argmax(1)], 0)
    Y=y[Iq]; out={}
    for k,t in settings:
        v=M&(rank<=k)
        wts=v*(np.exp((Sq-top[:,None])/t) if t>0 else 1.0)
        out[(k,t)]=(wts*Y).sum(1)/np.maximum(wts.sum(1),1e-12)
    return out

def ridge_fit(X, y, lams):
    mu=X.mean(0); ym=y.mean(); Xc=X-mu
    G=Xc.T@Xc; r=Xc.T@(y-ym); ev,V=np.linalg.eigh(G); rv=V.T@r
    res={}
    for l in lams:
        wv=V@(rv/(ev+l)); res[l]=(wv, ym-mu@wv)
    return res

def logit_fit(Z, y, l2=1e-3, iters=50):
    """logistic regression (Newton) y in [0,1] (can be soft). returns w incl bias last."""
    A=np.hstack([Z,np.ones((len(Z),1))]); w=np.zeros(A.shape[1])
    R=l2*len(Z)*np.eye(A.shape[1]); R[-1,-1]=0
    for _ in range(iters):
        p=1/(1+np.exp(-A@w)); g=A.T@(p-y)+R@w; H=(A*(p*(1-p))[:,None]).T@A+R
        step=np.linalg.solve(H,g); w-=step
        if np.abs(step).max()<1e-8: break
    return w
def logit_pred(w,Z): return 1/(1+np.exp(-(Z@w[:-1]+w[-1])))

def boot_se(pred, s, w, reps=200, seed=0):
    r=np.random.default_rng(seed); n=len(pred); v=[]
    for _ in range(reps):
        i=r.integers(0,n,n); v.append(apgr(pred[i],s[i],w[i]))
    return np.std(v)
