"""The simple method a user would try first, computed beside vaekit's figure on the same rows, and a verdict.

Each baseline is fitted only on what the run was trained on (its training split, or the labelled training rows)
and scored on the rows vaekit's figure is scored on:

    anomaly.py         AUROC of PCA reconstruction error and an IsolationForest       (vaekit score)
    clustering.py      k-means on the inputs and on their PCA: accuracy, NMI, ARI      (vaekit cluster, evaluate)
    classification.py  logistic regression, LabelSpreading: accuracy                   (vaekit predict, evaluate)
    imputation.py      column mean / mode and IterativeImputer on hidden entries       (vaekit impute --check)
    denoising.py       median filter, PCA, KNNImputer: PSNR against the clean inputs   (vaekit denoise, inpaint)
    verdict.py         the one line that says which won, worded the same everywhere

    from vaekit.tasks.baselines.verdict import verdict
    verdict("AUROC", 0.91, {"PCA reconstruction error": 0.88}).line
    # 'verdict: vaekit wins (AUROC 0.91 vs 0.88, PCA reconstruction error)'
"""
