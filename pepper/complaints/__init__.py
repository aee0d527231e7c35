"""FTC Do-Not-Call complaints: the real evidence Pepper starts from."""
