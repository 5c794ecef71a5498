"""English and Traditional Chinese text, without Django: tokens, n-grams, terms, MinHash.

One tokeniser (``tokenise``) decides what a word, a Chinese character and a clause end are; the
report's free-text terms (``ngrams``, ``terms``), the staff's theme suggestions (``terms``) and
campaign detection (``minhash``) all build on it.
"""
