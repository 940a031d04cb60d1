"""Taking handins in.

Reading an untrusted upload (handin.py), splitting a batch over machines (shards.py), and the Gradescope
autograder zip that receives submissions there (bundle.py).
"""
