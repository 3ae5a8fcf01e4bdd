"""The domain's fixed words, shared by every layer: what kinds of card there are and the
leech tag. A module of plain constants with no imports, so that content parsing (which the
grader's worker runs) can name them without loading the storage layer or SQLAlchemy."""

# What a stored card is; one home for the names (deck files write the first three,
# exercise folders the last; the add-card form's "reversed" becomes two basic cards).
KIND_BASIC = "basic"
KIND_CLOZE = "cloze"
KIND_CHOICE = "choice"
KIND_EXERCISE = "exercise"
CARD_KINDS = (KIND_BASIC, KIND_CLOZE, KIND_CHOICE, KIND_EXERCISE)
DECK_FILE_KINDS = (KIND_BASIC, KIND_CLOZE, KIND_CHOICE)  # what a deck file's `kind:` may say

# The tag a card gets when it lapses too often (Anki's name; the scheduler adds and removes it,
# content sync keeps it).
LEECH_TAG = "leech"
