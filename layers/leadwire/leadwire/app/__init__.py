"""Use cases over ports: intake, lead queries, disposition, erasure, decay, alerting, and the
one optimistic-locking loop every change to a lead goes through."""
