#!/usr/bin/env python3
"""The peer of bench/recipe_apply.lua in scikit-learn: the same six steps
(median impute, mode impute, 1%/99% winsorize, standardize, log1p of x10..x19,
one-hot with levels under 1% pooled), fitted once, transform timed (best of 3).

    python3 bench/recipe_apply.py FILE
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler


class Winsorize(BaseEstimator, TransformerMixin):
    def fit(self, X, y=None):
        self.lo_, self.hi_ = np.nanquantile(X, [0.01, 0.99], axis=0)
        return self

    def transform(self, X):
        return np.clip(X, self.lo_, self.hi_)


def main():
    df = pd.read_csv(sys.argv[1])
    num = [c for c in df.columns if c.startswith("x")]
    cat = [c for c in df.columns if c.startswith("g")]
    logged = [num.index(c) for c in num if c.startswith("x1") and len(c) == 3]

    def log1p_some(X):
        X = X.copy()
        X[:, logged] = np.log1p(np.where(X[:, logged] > -1, X[:, logged], np.nan))
        return X

    numeric = Pipeline([
        ("impute", SimpleImputer(strategy="median")),
        ("clip", Winsorize()),
        ("scale", StandardScaler()),
        ("log", FunctionTransformer(log1p_some)),
    ])
    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("onehot", OneHotEncoder(min_frequency=0.01, handle_unknown="infrequent_if_exist",
                                 sparse_output=False)),
    ])
    ct = ColumnTransformer([("num", numeric, num), ("cat", categorical, cat)])
    ct.fit(df)
    best, out = float("inf"), None
    for _ in range(3):
        t0 = time.perf_counter()
        out = ct.transform(df)
        best = min(best, time.perf_counter() - t0)
    print("apply_seconds %.4f rows %d cols_in %d cols_out %d" % (best, out.shape[0], df.shape[1],
                                                                  out.shape[1]))


if __name__ == "__main__":
    main()
