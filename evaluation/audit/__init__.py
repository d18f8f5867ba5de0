"""The creator audit page (``creator-audit explain``): what a brand checks before paying a creator.

One self-contained, printable HTML file. Per creator: the verdict and the data it rests on, the
reasons in words, and the evidence drawn against what genuine creators of the same size show (the
model's ``norms``): likes and comments per post, the follower-count history with its jumps, how
fast engagement arrives after posting, the accounts that engage again and again, and who the
sampled followers are.

Scores come from the project's one scoring path (``scoring.scores``), run on the requested
creators only. The charts read the posts the features read (each creator's most recent ones), so
what is drawn is what the model saw.

``evidence`` picks the creators and gathers what is shown of each; ``page`` writes the page;
``post_charts`` and ``audience_charts`` draw its charts in the look of ``style``.
"""

from evaluation.audit.audience_charts import ShareInterval, engager_matrix, fake_share_interval
from evaluation.audit.evidence import Evidence, gather, read_creator_ids, restrict
from evaluation.audit.page import audit_page, evidence_page, write_audit_page
from evaluation.audit.post_charts import follower_jumps
from evaluation.audit.style import LABEL_NAMES, NO_ENGAGEMENTS

__all__ = [
    "LABEL_NAMES",
    "NO_ENGAGEMENTS",
    "Evidence",
    "ShareInterval",
    "audit_page",
    "engager_matrix",
    "evidence_page",
    "fake_share_interval",
    "follower_jumps",
    "gather",
    "read_creator_ids",
    "restrict",
    "write_audit_page",
]
