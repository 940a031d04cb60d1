"""Official grading: hostile handins run as other users, judged against the secret's hidden cases."""
