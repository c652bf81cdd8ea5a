"""The one MT Bench evaluation after the choice is locked (and, for the record only, the runner-up)."""
from harness import *
s,w=pair('mt-bench'); 
for emb_name,g,lam,r in [('static+hashing',0,1,2),('static+hashing',0.3,3,2)]:
    X=feats('arena',emb_name,g); mf=MF(X,YA,[lam]); P=mf.predict(feats('mt-bench',emb_name,g),lam,r)
    win=P[:,MODELS.index(STRONG)]-P[:,MODELS.index(WEAK)]
    print(emb_name,g,lam,r,'MT Bench APGR %.3f exact %.3f'%(apgr(win,s,w),apgr_exact(win,s,w)))
