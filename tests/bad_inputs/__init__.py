"""Bad inputs and faults, as tables of cases: one module per area (cases_*.py), each a list `CASES` of `Case`.

tests/test_bad_inputs.py runs every case and checks the same three things for each: exit status 2 (or a
VaekitError from the Python API), one line of error that matches the case's message (which names the remedy), and
no file in the workspace changed.
"""
