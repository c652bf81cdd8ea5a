"""Dumps feats.py + feats2.py on a sample of prompts (500 MMLU, 100 GSM8K, 100 arena; idf from the
sample) for the TypeScript parity check (feature-parity.ts). usage: EXP_DATA=... python feature_parity.py OUT.json [--all]  (--all: every prompt of the three)"""
import json, sys, numpy as np
from common import items
from feats import feat_matrix
from feats2 import idf_table, feats2
prompts=[]
for b,m in (('mmlu',500),('gsm8k',100),('arena',100)):
    it=items(b); step=1 if '--all' in sys.argv else max(1,len(it)//m)
    prompts+=[i['prompt'] for i in it[::step][:None if '--all' in sys.argv else m]]
F,_=feat_matrix(prompts); df,N=idf_table(prompts); A2,_=feats2(prompts,df,N)
json.dump({'prompts':prompts,'features':np.c_[F,A2].tolist()},open(sys.argv[1],'w'))
