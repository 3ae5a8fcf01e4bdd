def add(a, b):
    # your code here
    return a - b
