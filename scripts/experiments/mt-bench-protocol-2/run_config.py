"""One candidate setting of the protocol: python3 run_config.py EMBEDDER GAMMA OMEGA (0 0 = shipped MF).
Prints the arena criterion for every (lambda, rank); * marks the best. Saves OOF predictions next to the data."""
import sys, pickle, time
from harness import *
emb_name=sys.argv[1]; gamma=float(sys.argv[2]); omega=float(sys.argv[3])
t=time.time(); out=oof_grid(emb_name,gamma,omega); res=score_grid(out)
pickle.dump(out,open(f'{D}/oof_{emb_name}_{gamma}_{omega}.pkl','wb'))
best=max(res,key=lambda k:res[k])
for k in sorted(res): print(emb_name,gamma,omega,k,'%.4f %.4f'%res[k], '*' if k==best else '')
print('time',time.time()-t)
