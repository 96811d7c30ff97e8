"""One module per exercise (`exerciseN.py`), each defining `EXERCISE`, an instance of grader.spec.Exercise."""
