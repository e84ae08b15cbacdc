#!/usr/bin/python3
"""The xgboost side of bench/gbdt_speed.sh: trains xgboost `hist` with the
same settings as the wb side and prints one JSON line with train_seconds,
predict_seconds and test_auc.

    /usr/bin/python3 bench/gbdt_speed.py TRAIN.csv TEST.csv [ROUNDS] [DEPTH] [LR] [NTHREAD]
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score

train, test = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 200
depth = int(sys.argv[4]) if len(sys.argv) > 4 else 6
lr = float(sys.argv[5]) if len(sys.argv) > 5 else 0.1
nthread = int(sys.argv[6]) if len(sys.argv) > 6 else 2

tr = pd.read_csv(train)
te = pd.read_csv(test)
ytr = tr.pop("y").to_numpy()
yte = te.pop("y").to_numpy()
xtr = tr.to_numpy(dtype=np.float64)
xte = te.to_numpy(dtype=np.float64)
del tr, te

params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": depth,
          "eta": lr, "max_bin": 256, "nthread": nthread, "eval_metric": "logloss"}
t0 = time.perf_counter()
# DMatrix construction (binning) is part of training, as it is on the wb side.
dtr = xgb.DMatrix(xtr, label=ytr, nthread=nthread)
bst = xgb.train(params, dtr, num_boost_round=rounds)
t1 = time.perf_counter()
dte = xgb.DMatrix(xte, nthread=nthread)
t2 = time.perf_counter()
p = bst.predict(dte)
t3 = time.perf_counter()
print(json.dumps({"train_seconds": t1 - t0, "predict_seconds": t3 - t2,
                  "test_auc": roc_auc_score(yte, p), "rows": len(ytr)}))
