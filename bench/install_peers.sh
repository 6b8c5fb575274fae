#!/usr/bin/env bash
# The peers of bench/synthetic_tables.py: SDV 2.0 (GaussianCopula, TVAE, CTGAN) and what it imports.
# SDV 2.0 pins pandas<3; its code runs on this project's pandas 3, so it is installed with --no-deps and every
# package it needs is named and pinned here instead (a resolver would downgrade pandas).
#
#   bash bench/install_peers.sh            # into .venv (or $PYTHON's environment)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
"$PYTHON" -m pip install --no-deps -c constraints.txt \
    sdv==2.0.0 rdt==2.0.0 ctgan==0.12.1 deepecho==0.8.1 copulas==0.14.1 sdmetrics==0.32.0 \
    Faker==40.63.0 graphviz==0.21 cloudpickle==3.1.3 \
    boto3==1.44.18 botocore==1.44.18 s3transfer==0.19.3 jmespath==1.1.0 \
    python-dateutil==4.0.0 plotly==7.1.0 narwhals==2.29.0
"$PYTHON" - <<'PY'
from sdv.metadata import Metadata
from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer  # noqa: F401
import sdv
print(f"sdv {sdv.__version__} imports")
PY
