"""Demo data: a believable 3PL loaded by `make run`. It sits above every app and nothing imports it."""
