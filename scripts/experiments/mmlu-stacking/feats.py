import re, numpy as np
NUM=re.compile(r'-?\d+(?:[.,]\d+)?')
WORD=re.compile(r"[A-Za-z]+")
def parse(p):
    t=p.rstrip()
    if t.endswith('Answer:'): t=t[:-7].rstrip('\n')
    lines=t.split('\n'); opts=[]; 
    # options: trailing lines starting with A. B. C. D.
    qend=len(lines)
    for L in ['D','C','B','A']:
        for j in range(qend-1,-1,-1):
            if lines[j].startswith(L+'. ') or lines[j]==L+'.':
                opts.insert(0,'\n'.join(lines[j:qend])[len(L)+2:] if len(lines[j])>2 else ''); qend=j; break
        else: break
    if len(opts)!=4: return t,[]
    return '\n'.join(lines[:qend]),opts
def isnum(o):
    o=o.strip().replace(',','').replace('$','').replace('%','')
    return bool(re.fullmatch(r'[-+]?\d*\.?\d+(e-?\d+)?\s*[a-zA-Z/²³°]{0,6}',o))
def feats(p):
    q,opts=parse(p); f={}
    ql=len(q); f['log_qlen']=np.log1p(ql); f['log_qwords']=np.log1p(len(q.split()))
    f['q_lines']=np.log1p(q.count('\n'))
    f['has_opts']=float(len(opts)==4)
    ol=np.array([len(o) for o in opts]) if opts else np.zeros(4)
    f['log_opt_mean']=np.log1p(ol.mean()); f['log_opt_max']=np.log1p(ol.max()); f['log_opt_min']=np.log1p(ol.min())
    f['opt_len_cv']=ol.std()/(ol.mean()+1)
    f['opt_q_ratio']=np.log1p(ol.sum())-np.log1p(ql)
    f['q_digits']=sum(c.isdigit() for c in q)/(ql+1)
    f['q_nums']=np.log1p(len(NUM.findall(q)))
    os_=' '.join(opts)
    f['opt_digits']=sum(c.isdigit() for c in os_)/(len(os_)+1)
    f['opts_numeric']=float(bool(opts) and all(isnum(o) for o in opts))
    f['math_ops']=np.log1p(len(re.findall(r'[=+*/^×÷√∫∑πθ<>≤≥]',q+os_)))
    f['latex']=np.log1p(len(re.findall(r'\\[a-zA-Z]+|\$|\^|_\{|\{|\}',q+os_)))
    f['neg_caps']=float(bool(re.search(r'\b(NOT|EXCEPT|LEAST|FALSE|INCORRECT)\b',q)))
    f['neg_low']=float(bool(re.search(r'\b(not|except|least|false|incorrect|never)\b',q,re.I)))
    f['which_following']=float('which of the following' in q.lower())
    f['statement']=float('Statement 1' in q); f['scenario']=float('Scenario 1' in q)
    f['roman']=float(bool(re.search(r'\b(I|II|III|IV)\b',os_)) and bool(re.search(r'\b(I{1,3}|IV)\b',q)))
    f['all_above']=float(bool(re.search(r'all of the above|none of the above|both|neither|all of these|none of these',os_,re.I)))
    f['truefalse_opts']=float(bool(re.search(r'\b(True|False),',os_)))
    f['code']=float(bool(re.search(r'def |return |print|;\s*$|\bint\b|\)\s*\{|==|<-|:=|\bfor\b.*\bin\b|\bwhile\b',q,re.M)))
    f['qmark']=float(q.rstrip().endswith('?')); f['blank']=float('_' in q)
    f['passage']=float(q.lower().startswith('this question refers') or ql>800)
    f['quote']=np.log1p(q.count('"'))
    f['years']=np.log1p(len(re.findall(r'\b1[0-9]{3}\b|\b20[0-9]{2}\b',q)))
    f['units']=np.log1p(len(re.findall(r'\$|%|\b(kg|km|m/s|cm|mm|mol|J|K|N|Hz|eV|V|W|g|L|mL)\b',q)))
    ws=[set(w.lower() for w in WORD.findall(o)) for o in opts]
    if opts:
        js=[len(ws[a]&ws[b])/max(1,len(ws[a]|ws[b])) for a in range(4) for b in range(a+1,4)]; f['opt_overlap']=np.mean(js)
    else: f['opt_overlap']=0
    qw=WORD.findall(q); f['avg_wlen']=np.mean([len(x) for x in qw]) if qw else 0
    f['caps_ratio']=sum(c.isupper() for c in q)/(ql+1)
    f['you_i']=float(bool(re.search(r'\b(I|my|me)\b',q)))
    f['long_word']=np.log1p(sum(len(x)>=12 for x in qw))
    f['sentences']=np.log1p(len(re.findall(r'[.!?](\s|$)',q)))
    f['opt_has_digit_count']=sum(any(c.isdigit() for c in o) for o in opts)/4 if opts else 0
    f['calc']=float(bool(re.search(r'\b(calculate|compute|how many|how much|what is the value|find the|solve|evaluate|probability)\b',q,re.I)))
    return f
def feat_matrix(prompts):
    ds=[feats(p) for p in prompts]; names=list(ds[0].keys())
    return np.array([[d[k] for k in names] for d in ds],float), names
