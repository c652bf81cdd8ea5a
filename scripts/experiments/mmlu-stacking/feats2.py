import re, numpy as np
from collections import Counter
from feats import parse
TOK=re.compile(r"[a-z]+")
def idf_table(prompts):
    df=Counter()
    for p in prompts: df.update(set(TOK.findall(p.lower())))
    return df,len(prompts)
def feats2(prompts, df, N):
    out=[]
    for p in prompts:
        q,opts=parse(p); os_=' '.join(opts)
        r=[]
        for txt in (q,os_):
            ws=TOK.findall(txt.lower())
            idf=np.array([np.log((N+1)/(df.get(x,0)+1)) for x in ws]) if ws else np.zeros(1)
            r+= [idf.mean(), np.sort(idf)[-3:].mean() if len(idf) else 0, np.mean(idf>np.log(N/5)) ]
        caps=re.findall(r'(?<![.?!]\s)(?<!^)\b[A-Z][a-z]+',q)
        r.append(np.log1p(len(caps)))
        r.append(float(bool(re.search(r'\b(approximately|closest|most likely|best|primarily|most|main|usually)\b',q,re.I))))
        r.append(float(bool(re.search(r'\baccording to\b',q,re.I))))
        nums=[float(x.replace(',','')) for x in re.findall(r'\d+(?:\.\d+)?',q) if len(x)<15]
        r.append(np.log1p(len(set(nums)))); r.append(float(any('.' in x for x in re.findall(r'\d+\.\d+',q))))
        ow=[len(o.split()) for o in opts] or [0]
        r.append(np.log1p(np.mean(ow))); r.append(float(max(ow)<=2))
        r.append(float(bool(re.match(r'\s*(which|what|how|why|who|when|where)\b',q,re.I))))
        out.append(r)
    names=['q_idf_mean','q_idf_top3','q_rare_frac','o_idf_mean','o_idf_top3','o_rare_frac','propn','judg','accord','n_distinct_nums','decimals','opt_words','opt_short','wh_start']
    return np.array(out,float),names
