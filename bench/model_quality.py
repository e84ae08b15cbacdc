#!/usr/bin/python3
"""Model quality, wb against scikit-learn / xgboost on the bundled data.

Both sides see exactly the same rows: this script cuts each dataset into
5 stratified (classification) or plain (regression) folds with a fixed
seed, writes each fold's train/test CSV, runs `wb train FILE --test FILE
--json` for wb and the comparable scikit-learn / xgboost pipeline in this
process, and averages the test metric over the folds.

Comparable settings:
  logistic  wb: default recipe (median/mode impute, standardize, one-hot), C=1
            sk: SimpleImputer(median)/(most_frequent) + StandardScaler +
                OneHotEncoder, LogisticRegression(C=1, lbfgs, multinomial)
  forest    wb: trees=100 (ordinal codes, missing kept)
            sk: RandomForest(100 trees, sqrt features (classification) /
                1.0 (regression: sklearn's default)), ordinal codes, median
                imputation (sklearn 1.2 forests do not take NaN); for
                regression wb is given sklearn's mtry = p, min_samples_leaf 1
  gbdt      wb: rounds=200 max_depth=4 learning_rate=0.05
            xgboost: XGB*(tree_method=hist, same rounds/depth/rate),
                ordinal codes, NaN native
  linear    wb: default recipe, OLS   sk: LinearRegression (same prep)
Metrics: accuracy and AUC (one-vs-rest macro for multiclass) for
classification, RMSE for regression; "rel" is the relative difference
(wb - peer) / peer, and "ok" means wb is within 1% or better.

usage: model_quality.py WB OUTDIR [dataset ...]
"""
import json, os, subprocess, sys, time
import numpy as np, pandas as pd
from sklearn.model_selection import StratifiedKFold, KFold
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler, OneHotEncoder, OrdinalEncoder
from sklearn.linear_model import LogisticRegression, LinearRegression
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import accuracy_score, roc_auc_score, mean_squared_error
import xgboost as xgb

DATASETS = [  # name, target, task
    ("iris", "Species", "c"), ("breast_cancer", "diagnosis", "c"), ("wine", "cultivar", "c"),
    ("penguins", "species", "c"), ("credit", "Status", "c"),
    ("diamonds", "price", "r"), ("diabetes", "progression", "r"),
]
FAMILIES = {"c": ["logistic", "forest", "gbdt"], "r": ["linear", "forest", "gbdt"]}
WB_SETS = {"logistic": ["C=1"], "linear": [], "forest": ["trees=100"],
           "gbdt": ["rounds=200", "max_depth=4", "learning_rate=0.05"]}
FOLDS, SEED = 5, 7


def prep(X, family):
    cat = [c for c in X.columns if X[c].dtype == object]
    num = [c for c in X.columns if c not in cat]
    if family in ("logistic", "linear"):
        return ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
            ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                  OneHotEncoder(handle_unknown="ignore")), cat)])
    enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                         encoded_missing_value=np.nan)
    if family == "forest":
        return ColumnTransformer([("num", SimpleImputer(strategy="median"), num),
                                  ("cat", make_pipeline(enc, SimpleImputer(strategy="median")), cat)])
    return ColumnTransformer([("num", "passthrough", num), ("cat", enc, cat)])


def peer_model(family, task, nclass):
    if family == "logistic":
        return LogisticRegression(C=1.0, max_iter=5000)
    if family == "linear":
        return LinearRegression()
    if family == "forest":
        if task == "c":
            return RandomForestClassifier(n_estimators=100, random_state=SEED, n_jobs=2)
        return RandomForestRegressor(n_estimators=100, random_state=SEED, n_jobs=2)
    kw = dict(n_estimators=200, max_depth=4, learning_rate=0.05, tree_method="hist",
              n_jobs=2, random_state=SEED)
    return xgb.XGBClassifier(**kw) if task == "c" else xgb.XGBRegressor(**kw)


def scores(task, y, proba_or_pred, classes):
    if task == "r":
        return {"rmse": float(np.sqrt(mean_squared_error(y, proba_or_pred)))}
    p = proba_or_pred
    acc = accuracy_score(y, np.asarray(classes)[p.argmax(axis=1)])
    if len(classes) == 2:
        auc = roc_auc_score((y == classes[1]).astype(int), p[:, 1])
    else:
        auc = roc_auc_score(y, p, multi_class="ovr", labels=classes)
    return {"accuracy": acc, "auc": auc}


def run_peer(family, task, train, test, target):
    Xtr, ytr = train.drop(columns=[target]), train[target]
    Xte, yte = test.drop(columns=[target]), test[target]
    classes = sorted(ytr.unique()) if task == "c" else None
    model = peer_model(family, task, len(classes or []))
    pipe = make_pipeline(prep(Xtr, family), model)
    yfit = ytr if task == "r" else ytr.map({c: i for i, c in enumerate(classes)})
    t0 = time.perf_counter()
    pipe.fit(Xtr, yfit)
    secs = time.perf_counter() - t0
    out = pipe.predict(Xte) if task == "r" else pipe.predict_proba(Xte)
    return scores(task, yte.values, out, classes), secs


def run_wb(wb, family, train_csv, test_csv, target, log, task, p):
    cmd = [wb, "train", train_csv, "--target", target, "--model", family, "--test", test_csv,
           "--json", "--log", log]
    sets = list(WB_SETS[family])
    if family == "forest" and task == "r":
        # scikit-learn's regression forest tries every feature at every
        # split and grows to single-row leaves; wb's defaults are ranger's
        # (p/3, 5 rows), so ask for sklearn's to compare like with like.
        sets += [f"mtry={p}", "min_samples_leaf=1"]
    for s in sets:
        cmd += ["--set", s]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"wb failed: {' '.join(cmd)}\n{r.stderr}")
    d = json.loads(r.stdout)
    return d["metrics"], d["train_seconds"]


def main():
    wb, out = sys.argv[1], sys.argv[2]
    only = set(sys.argv[3:])
    data_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, "quality_runs.db")
    rows = []
    for name, target, task in DATASETS:
        if only and name not in only:
            continue
        df = pd.read_csv(os.path.join(data_dir, name + ".csv"), keep_default_na=False,
                         na_values=[""])
        if task == "c":
            df[target] = df[target].astype(str)
            splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(df, df[target])
        else:
            splitter = KFold(FOLDS, shuffle=True, random_state=SEED).split(df)
        folds = []
        for k, (tr, te) in enumerate(splitter):
            a, b = os.path.join(out, f"q_{name}_{k}_train.csv"), os.path.join(out, f"q_{name}_{k}_test.csv")
            df.iloc[tr].to_csv(a, index=False, na_rep="")
            df.iloc[te].to_csv(b, index=False, na_rep="")
            folds.append((a, b, df.iloc[tr], df.iloc[te]))
        for fam in FAMILIES[task]:
            w_m, p_m, w_t, p_t = {}, {}, 0.0, 0.0
            for a, b, tr, te in folds:
                wm, wt = run_wb(wb, fam, a, b, target, log, task, df.shape[1] - 1)
                pm, pt = run_peer(fam, task, tr, te, target)
                for k in pm:
                    w_m[k] = w_m.get(k, 0) + wm[k] / FOLDS
                    p_m[k] = p_m.get(k, 0) + pm[k] / FOLDS
                w_t += wt
                p_t += pt
            for k in p_m:
                rel = (w_m[k] - p_m[k]) / p_m[k]
                better = rel >= -0.01 if k != "rmse" else rel <= 0.01
                rows.append((name, fam, k, w_m[k], p_m[k], rel, better, w_t, p_t))
    peer = {"logistic": "sklearn", "linear": "sklearn", "forest": "sklearn", "gbdt": "xgboost"}
    print(f"{'dataset':14} {'model':9} {'metric':9} {'wb':>10} {'peer':>10} {'rel':>8}  ok   {'wb s':>7} {'peer s':>7}")
    for name, fam, k, w, p, rel, ok, wt, pt in rows:
        print(f"{name:14} {fam:9} {k:9} {w:10.4f} {p:10.4f} {rel*100:7.2f}%  {'yes' if ok else 'NO ':3}  {wt:7.2f} {pt:7.2f}  ({peer[fam]})")
    bad = [r for r in rows if not r[6]]
    print(f"{len(rows) - len(bad)} of {len(rows)} comparisons within 1% of the peer or better "
          f"(mean over {FOLDS} folds; seconds are summed training time)")


if __name__ == "__main__":
    main()
