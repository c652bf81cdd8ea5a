import os; os.environ['OMP_NUM_THREADS']='1'; os.environ['OPENBLAS_NUM_THREADS']='1'
import numpy as np, sys, time
import sys as _sys; _sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from common import *
K=400
for b in sys.argv[1:]:
  for name in ['static+hashing','static','hashing']:
    t=time.time()
    X=emb(b,name).astype(np.float32); X/=np.maximum(np.linalg.norm(X,axis=1,keepdims=True),1e-12)
    n=len(X); kk=min(K,n-1)
    I=np.zeros((n,kk),np.int32); S=np.zeros((n,kk),np.float32)
    for a in range(0,n,1000):
      sim=X[a:a+1000]@X.T
      for r in range(sim.shape[0]): sim[r,a+r]=-9
      p=np.argpartition(-sim,kk,axis=1)[:,:kk]
      sp=np.take_along_axis(sim,p,1); o=np.argsort(-sp,axis=1)
      I[a:a+1000]=np.take_along_axis(p,o,1); S[a:a+1000]=np.take_along_axis(sp,o,1)
    np.save(f'{D}/{b}.{name}.nnI.npy',I); np.save(f'{D}/{b}.{name}.nnS.npy',S)
    print(b,name,time.time()-t,flush=True)
