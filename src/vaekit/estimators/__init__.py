"""scikit-learn style estimators on top of training and the tasks: VAEEmbedder, VAEAnomalyDetector, VAEImputer,
VAEClassifier.
"""
