#!/usr/bin/python3
"""The scikit-learn side of bench/forest_speed.sh: RandomForestClassifier
with the same settings as the wb side; prints one JSON line with
train_seconds, predict_seconds, test_accuracy and test_auc.

    /usr/bin/python3 bench/forest_speed.py TRAIN.csv TEST.csv [TREES] [NJOBS]

Label column "y"; training time is the fit only (CSV loading excluded).
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score

train, test = sys.argv[1], sys.argv[2]
trees = int(sys.argv[3]) if len(sys.argv) > 3 else 100
njobs = int(sys.argv[4]) if len(sys.argv) > 4 else 2

tr = pd.read_csv(train)
te = pd.read_csv(test)
ytr = tr.pop("y").to_numpy()
yte = te.pop("y").to_numpy()
xtr = tr.to_numpy(dtype=np.float64)
xte = te.to_numpy(dtype=np.float64)
del tr, te

rf = RandomForestClassifier(n_estimators=trees, n_jobs=njobs, random_state=1)
t0 = time.perf_counter()
rf.fit(xtr, ytr)
t1 = time.perf_counter()
p = rf.predict_proba(xte)[:, 1]
t2 = time.perf_counter()
print(json.dumps({"train_seconds": t1 - t0, "predict_seconds": t2 - t1,
                  "test_accuracy": float(np.mean((p > 0.5) == yte)),
                  "test_auc": roc_auc_score(yte, p), "rows": len(ytr)}))
