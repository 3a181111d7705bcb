"""Versioned schema migrations, applied in order at start.

The database's `PRAGMA user_version` is the number of migrations applied.
Append new steps at the end; never edit one that has shipped. Times are
stored UTC as ISO-8601 text.
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "users, API tokens, extensions, audit log",
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,          -- Argon2id
            role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
            must_change_password INTEGER NOT NULL DEFAULT 0,
            language TEXT,                        -- NULL: the box's language
            created_at TEXT NOT NULL
        );
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,      -- SHA-256 of a 256-bit random token
            created_at TEXT NOT NULL,
            last_used_at TEXT
        );
        -- The SIP secret is kept readable because phone auto-provisioning
        -- must write it into the phone's configuration file.
        CREATE TABLE extensions (
            number TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            secret TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,                  -- a username, or 'cli' / 'system'
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        """,
    ),
    (
        "SIP registrations and address bans",
        """
        -- One row per registered contact. Times are UNIX seconds (UTC) so the
        -- edge can compare them without parsing.
        CREATE TABLE sip_bindings (
            aor TEXT NOT NULL,                    -- the extension number
            contact TEXT NOT NULL,                -- the Contact URI as the phone sent it
            expires_at REAL NOT NULL,
            call_id TEXT NOT NULL,
            cseq INTEGER NOT NULL,
            q REAL,
            instance TEXT,                        -- +sip.instance (RFC 5626), if any
            transport TEXT NOT NULL,              -- UDP, TCP, TLS: the flow it came in on
            source TEXT NOT NULL,                 -- ip:port it came from (NAT)
            user_agent TEXT NOT NULL DEFAULT '',
            registered_at REAL NOT NULL,
            PRIMARY KEY (aor, contact)
        );
        CREATE TABLE sip_bans (
            address TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            created_at REAL NOT NULL,
            until REAL NOT NULL
        );
        """,
    ),
    (
        "SIP trunks",
        """
        -- A provider's SIP trunk. The password is kept readable because the box must
        -- answer the provider's digest challenges with it.
        CREATE TABLE trunks (
            name TEXT PRIMARY KEY,
            host TEXT NOT NULL,                   -- the provider's address (IP or host name)
            port INTEGER NOT NULL DEFAULT 5060,
            username TEXT NOT NULL DEFAULT '',
            password TEXT NOT NULL DEFAULT '',
            register INTEGER NOT NULL DEFAULT 0,  -- 1: the box registers to the provider
            expires INTEGER NOT NULL DEFAULT 600,
            inbound_from TEXT NOT NULL DEFAULT '',  -- more addresses calls may come from (commas)
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        "call detail records; per-extension ring timeout and recording",
        """
        ALTER TABLE extensions ADD COLUMN ring_timeout INTEGER;  -- seconds; NULL: the default
        ALTER TABLE extensions ADD COLUMN record TEXT NOT NULL DEFAULT 'never'
            CHECK (record IN ('always', 'never', 'on-demand'));
        -- One row per call (the caller's leg); legs of the same call share linkedid.
        -- Times are ISO-8601 UTC; durations are whole seconds.
        CREATE TABLE cdr (
            id TEXT PRIMARY KEY,                  -- unique id of this call record
            linkedid TEXT NOT NULL,               -- shared by every leg of one call
            start TEXT NOT NULL,
            answer TEXT,
            end TEXT NOT NULL,
            duration INTEGER NOT NULL,            -- end - start
            billsec INTEGER NOT NULL,             -- end - answer (0 if never answered)
            src TEXT NOT NULL,                    -- caller number
            src_name TEXT NOT NULL DEFAULT '',
            dst TEXT NOT NULL,                    -- number dialled
            dst_channel TEXT NOT NULL DEFAULT '', -- who answered (extension) or where it went
            trunk TEXT NOT NULL DEFAULT '',
            direction TEXT NOT NULL,              -- internal, inbound, outbound
            disposition TEXT NOT NULL CHECK (disposition IN
                ('answered', 'no answer', 'busy', 'failed', 'cancelled')),
            hangup_by TEXT NOT NULL DEFAULT '',   -- caller, callee, system
            cause TEXT NOT NULL DEFAULT '',
            recording TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX cdr_start ON cdr (start);
        CREATE INDEX cdr_linkedid ON cdr (linkedid);
        """,
    ),
    (
        "trunk call limits and caller ID; inbound and outbound routes; permission classes",
        """
        ALTER TABLE trunks ADD COLUMN max_calls INTEGER NOT NULL DEFAULT 0;  -- 0: no limit
        ALTER TABLE trunks ADD COLUMN caller_id TEXT NOT NULL DEFAULT '';   -- number sent out
        -- 1: calls are taken from the trunk's host only from its port too (a provider
        -- sharing an address with phones, or a test on one machine)
        ALTER TABLE trunks ADD COLUMN match_port INTEGER NOT NULL DEFAULT 0;
        -- The farthest an extension may dial out; emergency numbers always go.
        ALTER TABLE extensions ADD COLUMN permission TEXT NOT NULL DEFAULT 'national'
            CHECK (permission IN ('internal', 'local', 'national', 'international'));
        -- Where a call from a trunk goes, by the number it was sent to (DID).
        CREATE TABLE inbound_routes (
            id INTEGER PRIMARY KEY,
            did TEXT NOT NULL,                    -- '' matches any number
            trunk TEXT NOT NULL DEFAULT '',       -- '' matches any trunk
            destination TEXT NOT NULL,            -- kind:value, e.g. extension:201
            record TEXT NOT NULL DEFAULT 'never'
                CHECK (record IN ('always', 'never', 'on-demand')),
            created_at TEXT NOT NULL,
            UNIQUE (did, trunk)
        );
        -- How an extension's call to an outside number leaves: the first route (by
        -- position) with a matching pattern, through its trunks in order.
        CREATE TABLE outbound_routes (
            name TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            patterns TEXT NOT NULL,               -- dial patterns, comma-separated
            strip INTEGER NOT NULL DEFAULT 0,     -- leading digits removed
            prefix TEXT NOT NULL DEFAULT '',      -- then put in front
            trunks TEXT NOT NULL,                 -- trunk names, failover order, commas
            class TEXT NOT NULL
                CHECK (class IN ('local', 'national', 'international', 'emergency')),
            caller_id TEXT NOT NULL DEFAULT '',   -- number presented ('': the trunk's)
            record TEXT NOT NULL DEFAULT 'never'
                CHECK (record IN ('always', 'never', 'on-demand')),
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        "meet-me conference rooms",
        """
        CREATE TABLE conference_rooms (
            number TEXT PRIMARY KEY,              -- dialled to join; never an extension's
            name TEXT NOT NULL DEFAULT '',
            pin_hash TEXT NOT NULL DEFAULT '',    -- Argon2id of the PIN; '' for no PIN
            max_members INTEGER NOT NULL DEFAULT 10,
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        "queues, agents, members, VIP callers, queue_log, callbacks",
        """
        -- A hotline queue. Times are seconds. Empty rules say when the queue counts as
        -- having nobody to serve it: never, no-agents (none logged in), no-ready-agents
        -- (none logged in and unpaused).
        CREATE TABLE queues (
            name TEXT PRIMARY KEY,                -- routes say queue:NAME
            number TEXT UNIQUE,                   -- dialled by extensions (NULL: none)
            display TEXT NOT NULL DEFAULT '',     -- shown on agents' phones, whispered
            strategy TEXT NOT NULL DEFAULT 'longest-idle',
            ring_timeout REAL NOT NULL DEFAULT 15,
            retry REAL NOT NULL DEFAULT 2,
            wrap_up REAL NOT NULL DEFAULT 5,
            max_wait REAL NOT NULL DEFAULT 0,     -- 0: no limit
            max_len INTEGER NOT NULL DEFAULT 0,   -- 0: no limit
            sl_seconds REAL NOT NULL DEFAULT 20,
            short_abandon REAL NOT NULL DEFAULT 5,
            join_empty TEXT NOT NULL DEFAULT 'no-agents',
            leave_empty TEXT NOT NULL DEFAULT 'never',
            overflow TEXT NOT NULL DEFAULT '',    -- kind:value after max wait, full, empty
            announce_every REAL NOT NULL DEFAULT 30,  -- position and wait; 0: never
            callback_after REAL NOT NULL DEFAULT 0,   -- offer "press 1"; 0: never
            callback_trunk TEXT NOT NULL DEFAULT '',  -- '' : the trunk the call came in on
            whisper INTEGER NOT NULL DEFAULT 0,   -- agents hear the display name first
            record TEXT NOT NULL DEFAULT 'never'
                CHECK (record IN ('always', 'never', 'on-demand')),
            language TEXT NOT NULL DEFAULT '',    -- prompts; '' : the box's language
            handle_estimate REAL NOT NULL DEFAULT 180,  -- until calls teach it
            created_at TEXT NOT NULL
        );
        -- Whoever answers queue calls: an extension, or an outside number (a staff
        -- member's mobile) reached over a trunk. Login state survives a restart.
        CREATE TABLE agents (
            number TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('extension', 'external')),
            name TEXT NOT NULL DEFAULT '',
            trunk TEXT NOT NULL DEFAULT '',       -- external agents: '' = outbound routes
            max_no_answer INTEGER NOT NULL DEFAULT 3,
            reject_delay REAL NOT NULL DEFAULT 10,
            busy_delay REAL NOT NULL DEFAULT 30,
            no_answer_delay REAL NOT NULL DEFAULT 10,
            logged_in INTEGER NOT NULL DEFAULT 0,
            pause_reason TEXT NOT NULL DEFAULT '',  -- '' : not paused
            created_at TEXT NOT NULL
        );
        CREATE TABLE queue_members (
            queue TEXT NOT NULL REFERENCES queues(name) ON DELETE CASCADE,
            agent TEXT NOT NULL REFERENCES agents(number) ON DELETE CASCADE,
            penalty INTEGER NOT NULL DEFAULT 0,
            level INTEGER NOT NULL DEFAULT 1,     -- skill level (skills strategy)
            weight REAL NOT NULL DEFAULT 1,       -- weighted-random strategy
            position INTEGER NOT NULL,            -- linear and round-robin order
            PRIMARY KEY (queue, agent)
        );
        -- Callers served first, whatever queue they call.
        CREATE TABLE vip_callers (
            number TEXT PRIMARY KEY,
            priority INTEGER NOT NULL CHECK (priority > 0),
            name TEXT NOT NULL DEFAULT ''
        );
        ALTER TABLE inbound_routes ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cdr ADD COLUMN queue TEXT NOT NULL DEFAULT '';
        -- Asterisk's queue_log as a table (the same lines go to var/log/queue_log).
        CREATE TABLE queue_log (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,                -- UNIX seconds
            callid TEXT NOT NULL,
            queuename TEXT NOT NULL,
            agent TEXT NOT NULL,
            event TEXT NOT NULL,
            data1 TEXT NOT NULL DEFAULT '',
            data2 TEXT NOT NULL DEFAULT '',
            data3 TEXT NOT NULL DEFAULT '',
            data4 TEXT NOT NULL DEFAULT '',
            data5 TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX queue_log_time ON queue_log (time);
        -- Callers who hung up keeping their place: called back when an agent is free.
        CREATE TABLE queue_callbacks (
            id TEXT PRIMARY KEY,                  -- the queued call's id
            queue TEXT NOT NULL,
            number TEXT NOT NULL,
            trunk TEXT NOT NULL DEFAULT '',
            requested_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'waiting'
                CHECK (state IN ('waiting', 'calling', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            finished_at TEXT
        );
        """,
    ),
    (
        "routing: ring groups, IVR menus, time conditions, voicemail, feature codes",
        """
        -- Inbound routes may also match the caller ID (a dial pattern): one route per DID,
        -- trunk and caller pattern. SQLite changes a table constraint by a new table.
        CREATE TABLE inbound_routes_new (
            id INTEGER PRIMARY KEY,
            did TEXT NOT NULL,                    -- '' matches any number
            trunk TEXT NOT NULL DEFAULT '',       -- '' matches any trunk
            caller TEXT NOT NULL DEFAULT '',      -- '' matches any caller
            destination TEXT NOT NULL,            -- kind:value (store.destinations)
            record TEXT NOT NULL DEFAULT 'never'
                CHECK (record IN ('always', 'never', 'on-demand')),
            priority INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (did, trunk, caller)
        );
        INSERT INTO inbound_routes_new (id, did, trunk, destination, record, priority, created_at)
            SELECT id, did, trunk, destination, record, priority, created_at FROM inbound_routes;
        DROP TABLE inbound_routes;
        ALTER TABLE inbound_routes_new RENAME TO inbound_routes;
        CREATE TABLE ring_groups (
            name TEXT PRIMARY KEY,
            number TEXT UNIQUE,                   -- dialled from extensions (optional)
            strategy TEXT NOT NULL CHECK (strategy IN ('ringall', 'order')),
            ring_timeout INTEGER NOT NULL,        -- ring-all: how long all ring together
            final TEXT NOT NULL,                  -- where the call goes when nobody answers
            created_at TEXT NOT NULL
        );
        CREATE TABLE ring_group_members (
            ring_group TEXT NOT NULL REFERENCES ring_groups(name) ON DELETE CASCADE,
            extension TEXT NOT NULL,
            position INTEGER NOT NULL,
            ring_timeout INTEGER NOT NULL,        -- in-order: how long this member rings
            PRIMARY KEY (ring_group, extension)
        );
        CREATE TABLE ivr_menus (
            name TEXT PRIMARY KEY,
            number TEXT UNIQUE,
            greeting TEXT NOT NULL,               -- prompt name
            timeout INTEGER NOT NULL,             -- seconds to wait for a key after it
            retries INTEGER NOT NULL,             -- further tries after a timeout or bad key
            invalid_prompt TEXT NOT NULL,
            timeout_prompt TEXT NOT NULL,
            direct_dial INTEGER NOT NULL DEFAULT 0,  -- callers may dial an extension
            repeat_key TEXT NOT NULL DEFAULT '*',
            final TEXT NOT NULL,                  -- after the last try
            created_at TEXT NOT NULL
        );
        CREATE TABLE ivr_options (
            menu TEXT NOT NULL REFERENCES ivr_menus(name) ON DELETE CASCADE,
            digit TEXT NOT NULL,
            destination TEXT NOT NULL,
            PRIMARY KEY (menu, digit)
        );
        CREATE TABLE time_conditions (
            id INTEGER PRIMARY KEY,               -- the day/night feature code's suffix
            name TEXT NOT NULL UNIQUE,
            open TEXT NOT NULL,                   -- destination inside the hours
            closed TEXT NOT NULL,                 -- outside them and on holidays
            override TEXT NOT NULL DEFAULT ''
                CHECK (override IN ('', 'open', 'closed')),
            created_at TEXT NOT NULL
        );
        CREATE TABLE time_ranges (
            condition INTEGER NOT NULL REFERENCES time_conditions(id) ON DELETE CASCADE,
            days TEXT NOT NULL,                   -- ISO weekdays, e.g. '12345'
            start TEXT NOT NULL,                  -- HH:MM, local time
            "end" TEXT NOT NULL
        );
        CREATE TABLE holidays (
            condition INTEGER NOT NULL REFERENCES time_conditions(id) ON DELETE CASCADE,
            first TEXT NOT NULL,                  -- YYYY-MM-DD
            last TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE voicemail_boxes (
            extension TEXT PRIMARY KEY,
            pin_hash TEXT NOT NULL,               -- Argon2id
            max_seconds INTEGER NOT NULL DEFAULT 180,
            created_at TEXT NOT NULL
        );
        CREATE TABLE voicemail_messages (
            id TEXT PRIMARY KEY,
            box TEXT NOT NULL REFERENCES voicemail_boxes(extension) ON DELETE CASCADE,
            folder TEXT NOT NULL CHECK (folder IN ('new', 'old', 'saved')),
            caller TEXT NOT NULL,
            caller_name TEXT NOT NULL DEFAULT '',
            received_at TEXT NOT NULL,            -- UTC ISO time
            seconds REAL NOT NULL,
            file TEXT NOT NULL                    -- under var/voicemail/
        );
        CREATE INDEX voicemail_messages_box ON voicemail_messages (box, folder, received_at);
        CREATE TABLE feature_codes (
            name TEXT PRIMARY KEY,
            code TEXT NOT NULL UNIQUE
        );
        ALTER TABLE extensions ADD COLUMN record_prompts INTEGER NOT NULL DEFAULT 0;
        """,
    ),
    (
        "desk phones for auto-provisioning",
        """
        -- A desk phone the box provisions: its configuration file is served by MAC.
        -- The times the service compares are UNIX seconds (UTC).
        CREATE TABLE phones (
            mac TEXT PRIMARY KEY CHECK (length(mac) = 12),  -- 12 lower-case hex digits
            extension TEXT NOT NULL REFERENCES extensions(number),
            vendor TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            -- its files (they hold the SIP secret) are served for a while after this:
            -- set on assignment and by a re-sync (settings: provisioning_window)
            opened_at REAL NOT NULL,
            last_fetch_at REAL,                   -- the last file served to it ...
            last_fetch_from TEXT,                 -- ... and to which address
            resync_requested_at REAL,             -- a check-sync the service is to send
            resync_result TEXT NOT NULL DEFAULT ''  -- what became of the last one
        );
        CREATE INDEX phones_extension ON phones (extension);
        """,
    ),
    (
        "console sessions",
        """
        -- A browser's login. The cookie holds a random id; only its SHA-256 is stored,
        -- so a copy of the database cannot be used to take over a session.
        CREATE TABLE console_sessions (
            id_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            address TEXT NOT NULL DEFAULT '',     -- where the login came from
            created_at REAL NOT NULL,             -- UNIX seconds: absolute expiry
            seen_at REAL NOT NULL                 -- UNIX seconds: idle expiry
        );
        CREATE INDEX console_sessions_user ON console_sessions (user_id);
        """,
    ),
    (
        "agent desk and contacts: users' extensions, call scripts, call notes, contact book",
        """
        -- The extension a console user answers at: their desk's screen pop follows it.
        ALTER TABLE users ADD COLUMN extension TEXT REFERENCES extensions(number)
            ON DELETE SET NULL;
        CREATE UNIQUE INDEX users_extension ON users (extension);
        -- What an agent reads to a caller of this queue (shown on the screen pop).
        ALTER TABLE queues ADD COLUMN script TEXT NOT NULL DEFAULT '';
        -- An agent's note and disposition on a call. Keyed by the CDR's id, which is
        -- known while the call goes on; its row is written when the call ends.
        CREATE TABLE call_notes (
            call_id TEXT PRIMARY KEY,
            disposition TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            agent TEXT NOT NULL,                  -- the console user who saved it
            updated_at TEXT NOT NULL
        );
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            company TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- Normalised numbers (0912345678, not +84 91 234 5678); one contact each, so
        -- a caller's number names one contact.
        CREATE TABLE contact_numbers (
            number TEXT PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE
        );
        CREATE INDEX contact_numbers_contact ON contact_numbers (contact_id);
        CREATE INDEX cdr_src ON cdr (src);
        CREATE INDEX cdr_dst ON cdr (dst);
        """,
    ),
]
