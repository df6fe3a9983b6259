-- The trace context of the resident's journey when the proposal arrived: a proposal
-- admitted later from the waiting list (by another resident's freed slot, or a raised
-- quota) continues its own resident's trace instead of the releaser's.
ALTER TABLE proposals ADD COLUMN IF NOT EXISTS journey_trace jsonb NOT NULL DEFAULT '{}'::jsonb;
