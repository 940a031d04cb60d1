"""mytorch: the numpy library students complete, one module per file.

Every array is float64. Deltas flowing backward are per sample; parameter
gradients are batch means that accumulate until ``zero_grad()``.
"""
