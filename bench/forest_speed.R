#!/usr/bin/env Rscript
# The ranger side of bench/forest_speed.sh: ranger probability forest with
# the same settings as the wb side; prints one JSON line with train_seconds,
# predict_seconds, test_accuracy and test_auc.
#
#   Rscript bench/forest_speed.R TRAIN.csv TEST.csv [TREES] [THREADS]
#
# Label column "y"; training time is the fit only (CSV loading excluded).
suppressPackageStartupMessages(library(ranger))
a <- commandArgs(trailingOnly = TRUE)
trees <- if (length(a) > 2) as.integer(a[3]) else 100L
threads <- if (length(a) > 3) as.integer(a[4]) else 2L
tr <- read.csv(a[1])
te <- read.csv(a[2])
tr$y <- factor(tr$y)
yte <- te$y
te$y <- NULL
t0 <- proc.time()[["elapsed"]]
rf <- ranger(y ~ ., data = tr, num.trees = trees, num.threads = threads,
             probability = TRUE, seed = 1, verbose = FALSE)
t1 <- proc.time()[["elapsed"]]
p <- predict(rf, te, num.threads = threads)$predictions[, "1"]
t2 <- proc.time()[["elapsed"]]
# AUC by the rank-sum formula (ties get mid ranks).
r <- rank(p)
npos <- sum(yte == 1)
nneg <- length(yte) - npos
auc <- (sum(r[yte == 1]) - npos * (npos + 1) / 2) / (npos * nneg)
cat(sprintf('{"train_seconds": %.3f, "predict_seconds": %.3f, "test_accuracy": %.5f, "test_auc": %.5f, "rows": %d}\n',
            t1 - t0, t2 - t1, mean((p > 0.5) == (yte == 1)), auc, nrow(tr)))
