"""Paired bootstrap of the arena criterion: candidate OOF file (argv 1) at lambda,rank (argv 2) minus the shipped MF (lambda 1, rank 2)."""
import pickle, sys
from harness import *
A=pickle.load(open(f'{D}/oof_static+hashing_0.0_0.0.pkl','rb'))[(1,2)]
B=pickle.load(open(f'{D}/'+sys.argv[1],'rb'))[tuple(int(v) for v in sys.argv[2].split(','))]
rng=np.random.RandomState(7); n=len(YA); diffs=[]
for t in range(150):
    idx=rng.randint(0,n,n)
    a=np.mean([criterion_from_preds(P,YA,idx)[0] for P in A]); b=np.mean([criterion_from_preds(P,YA,idx)[0] for P in B])
    diffs.append(b-a)
d=np.mean([criterion_from_preds(P,YA)[0] for P in B])-np.mean([criterion_from_preds(P,YA)[0] for P in A])
print('diff %.6f  bootstrap SE %.6f  mean %.6f'%(d,np.std(diffs),np.mean(diffs)))
