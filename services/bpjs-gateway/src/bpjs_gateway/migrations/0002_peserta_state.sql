-- BPJS's last known state of each card, as seen by the periodic peserta sync.
-- NULL until the first look-up: the sync then compares with what the gateway announced at
-- activation (22 PBI (APBD), 0 AKTIF).
ALTER TABLE participants
    ADD COLUMN IF NOT EXISTS jenis_peserta_kode text,
    ADD COLUMN IF NOT EXISTS jenis_peserta      text,
    ADD COLUMN IF NOT EXISTS status_kode        text,
    ADD COLUMN IF NOT EXISTS status_peserta     text,
    ADD COLUMN IF NOT EXISTS synced_at          timestamptz;
