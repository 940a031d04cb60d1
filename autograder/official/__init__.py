"""Official grading of hostile handins, `python -m autograder.official`, in the order a handin meets its stages.

- intake/: taking a handin in (reading the upload, shards of a batch, the Gradescope bundle);
- confine/: confining a worker (uid, limits, view of the machine, fork server, probe);
- worker/: the worker's side of the wire (the worker program, the wire format);
- judging/: judging and writing results (plan, supervision, judging, slots, outputs).
"""
