-- A deactivation that meets a tambah in flight (docs/domain.md#withdrawal-races): Dinkes
-- already sent ParticipantVerified, BPJS has not answered yet. The proposal waits in
-- 'withdrawing', still holding its slot, and remembers the DeactivationRequested (its reason
-- and its event id) until BPJS answers: activated -> the slot is released (SlotReleased,
-- caused by that request: the gateway files the kurang); refused -> released, nothing to undo.
ALTER TABLE proposals DROP CONSTRAINT proposals_status_check;
ALTER TABLE proposals ADD CONSTRAINT proposals_status_check CHECK (status IN (
    'checking_coverage', 'verified', 'waitlisted', 'rejected', 'active', 'refused',
    'withdrawing', 'deactivation_requested', 'deactivated'));
ALTER TABLE proposals ADD COLUMN IF NOT EXISTS withdrawal_reason text;
ALTER TABLE proposals ADD COLUMN IF NOT EXISTS withdrawal_event_id uuid;
