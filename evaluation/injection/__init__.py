"""Fraud injected into real genuine creators' own data: how much of it the model sees.

The creator model learns its fraud classes from simulated creators; its false alarms are measured
on real genuine ones. This package gives the missing half without new labels: take real genuine
creators (InstaFake: profile counts and posts only), add one kind of fraud at graded strengths,
score them through the one feature path and report how many are flagged, beside the same
creators untouched. Each injection follows the simulator's picture of that fraud
(``creator_audit/simulator``, its numbers from ``config.py``):

- ``followers``: bought followers, a step in the follower count within 48 hours;
- ``likes``: bought likes on some or all of the recent posts;
- ``pod``: an engagement pod's likes and comments within 30 minutes on every recent post.

A fraud that shows only in a table the real creators lack needs that table in the control too:
the bought-followers control has the same follower history without the step, the pod control the
same organic engagement events without the pod, so injected and control differ by the fraud only.
Every draw is made once per creator from the seed and reused at every strength (common random
numbers), so a stronger injection is the weaker one and more, and the table reads across.

``detection`` scores them and counts; ``table`` words the result for the reports.
"""
