import os, sys, json, numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from common import *
arena=items('arena')
MODELS=sorted({m for i in arena for m in i['scores']})
def Ymat(its): return np.array([[i['scores'].get(m,np.nan) for m in MODELS] for i in its],float)
YA=Ymat(arena)
def heur(b):
    h=json.load(open(f'{D}/{b}.heur.json')); k=np.array(h['keyword']); t=np.array(h['token-count'])
    lg=lambda p: np.log(np.clip(p,1e-6,1-1e-6)/(1-np.clip(p,1e-6,1-1e-6)))
    return np.stack([lg(t),lg(k)],1)
# standardisation of heuristic features fixed from arena (feature scale only, no labels)
HA=heur('arena'); HMU=HA.mean(0); HSD=HA.std(0)
def feats(b, emb_name, gamma=0.0):
    X=emb(b,emb_name)
    if gamma>0: X=np.hstack([X, gamma*(heur(b)-HMU)/HSD])
    return X
def aux_rows(emb_name, gamma):
    Xs=[];Ys=[]
    for b in ['mmlu','gsm8k']:
        s,w=pair(b); Xs.append(feats(b,emb_name,gamma)); y=np.zeros((len(s),len(MODELS)))
        y[:,MODELS.index(STRONG)]=1+9*s; y[:,MODELS.index(WEAK)]=1+9*w; Ys.append(y)
    Xa=np.vstack(Xs); Xa1=np.hstack([Xa,np.ones((len(Xa),1))]); Ya=np.vstack(Ys)
    return Xa1.T@Xa1, Xa1.T@Ya, Xa1.sum(0), [MODELS.index(STRONG),MODELS.index(WEAK)]
class MF:
    """reduced-rank ridge as src/routers/MatrixFactorizationRouter.ts fitGrid, with optional weighted aux rows"""
    def __init__(self, X, Y, lambdas, aux=None, omega=0.0):
        n,d=X.shape; m=Y.shape[1]
        self.means=np.nanmean(Y,0)
        Yc=np.where(np.isnan(Y),0.0,Y-self.means)
        X1=np.hstack([X,np.ones((n,1))])
        G=X1.T@X1; XtY=X1.T@Yc
        if aux is not None and omega>0:
            Gaux,XtYa,Xsum,auxcols=aux
            Ga=omega*Gaux
        self.sol={}
        for lam in lambdas:
            R=np.eye(d+1)*lam; R[d,d]=0
            C=np.linalg.solve(G+R,XtY)
            if aux is not None and omega>0:
                for c in auxcols:
                    C[:,c]=np.linalg.solve(G+Ga+R, XtY[:,c]+omega*(XtYa[:,c]-self.means[c]*Xsum))
            F=X1@C; F=F-F.mean(0)
            ev,V=np.linalg.eigh(F.T@F); V=V[:,::-1]
            sg=np.where(V.sum(0)<0,-1,1); V=V*sg
            self.sol[lam]=(C,V)
    def predict(self, X, lam, rank):
        C,V=self.sol[lam]; Vr=V[:,:rank]
        X1=np.hstack([X,np.ones((len(X),1))])
        return self.means + (X1@C)@Vr@Vr.T
def pairs_list(Y):
    mu=np.nanmean(Y,0); out=[]
    for a in range(len(MODELS)):
        for b in range(len(MODELS)):
            if mu[a]-mu[b]>=0.9: out.append((a,b))
    return out
PAIRS=pairs_list(YA); GW=(MODELS.index(STRONG),MODELS.index(WEAK))
def folds_rep(n, rep, k=5):
    rng=np.random.RandomState(1000+rep); perm=rng.permutation(n); f=np.empty(n,int); f[perm]=np.arange(n)%k; return f
def criterion_from_preds(P, Y, idx=None):
    """P: OOF predictions n x m. (mean exact APGR over PAIRS, GPT-4/Mixtral pair APGR)"""
    if idx is None: idx=np.arange(len(Y))
    vals=[]
    for a,b in PAIRS:
        ok=idx[~np.isnan(Y[idx,a])&~np.isnan(Y[idx,b])]
        vals.append(apgr_exact(P[ok,a]-P[ok,b],Y[ok,a],Y[ok,b]))
    a,b=GW; ok=idx[~np.isnan(Y[idx,a])&~np.isnan(Y[idx,b])]
    return float(np.mean(vals)), apgr_exact(P[ok,a]-P[ok,b],Y[ok,a],Y[ok,b])
LAMS=[1,3,10,30,100]; RANKS=[1,2,3]
def oof_grid(emb_name, gamma=0.0, omega=0.0, reps=10):
    """returns dict (lam,rank) -> list over reps of OOF prediction matrices"""
    X=feats('arena',emb_name,gamma); n=len(X)
    aux=aux_rows(emb_name,gamma) if omega>0 else None
    out={(l,r):[] for l in LAMS for r in RANKS}
    for rep in range(reps):
        f=folds_rep(n,rep); P={(l,r):np.zeros((n,len(MODELS))) for l in LAMS for r in RANKS}
        for k in range(5):
            tr=f!=k; te=f==k
            mf=MF(X[tr],YA[tr],LAMS,aux,omega)
            for l in LAMS:
                for r in RANKS: P[(l,r)][te]=mf.predict(X[te],l,r)
        for key in P: out[key].append(P[key])
    return out
def score_grid(out):
    res={}
    for key,Ps in out.items():
        cs=[criterion_from_preds(P,YA) for P in Ps]
        res[key]=(np.mean([c[0] for c in cs]), np.mean([c[1] for c in cs]))
    return res
