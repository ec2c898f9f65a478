"""Moderators: proposals, approvals, audit trail, feedback and gaps."""
