-- "Email me a sign-in link" on the portal's sign-in page. Anyone may ask for any address, so the
-- answer never says whether the address is known, and asking is limited here, where every
-- replica of the server sees the same count:
--   * an address gets at most 3 links an hour; further requests are noted and do nothing;
--   * a client (the address the request came from) may ask 10 times in 15 minutes; then CF060
--     says when to try again (this reveals nothing about any address).
-- Only a hash of the address asked for is kept, and only for a day.
CREATE TABLE sign_in_requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_sha256 text NOT NULL,
    client text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sign_in_requests_email ON sign_in_requests (email_sha256, requested_at);
CREATE INDEX sign_in_requests_client ON sign_in_requests (client, requested_at);
CREATE INDEX sign_in_requests_age ON sign_in_requests (requested_at);

-- Notes a request and says whether a link may be mailed to p_email. Requests for one address, and
-- from one client, are counted one at a time (advisory locks), so two at once cannot both slip
-- under a limit.
CREATE FUNCTION cfund_sign_in_request(p_email text, p_client text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    address text := encode(sha256(convert_to(lower(btrim(p_email)), 'UTF8')), 'hex');
    oldest timestamptz;
    asked integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('sign-in client:' || p_client));
    SELECT count(*), min(requested_at) INTO asked, oldest
    FROM sign_in_requests WHERE client = p_client AND requested_at > now() - interval '15 minutes';
    IF asked >= 10 THEN
        RAISE EXCEPTION 'too many sign-in links asked from %', p_client
            USING ERRCODE = 'CF060',
                  DETAIL = json_build_object(
                      'retryAfterSeconds',
                      greatest(1, ceil(extract(epoch FROM oldest + interval '15 minutes' - now()))::integer))::text;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('sign-in address:' || address));
    SELECT count(*) INTO asked
    FROM sign_in_requests WHERE email_sha256 = address AND requested_at > now() - interval '1 hour';
    DELETE FROM sign_in_requests WHERE requested_at < now() - interval '1 day';
    INSERT INTO sign_in_requests (email_sha256, client) VALUES (address, p_client);
    RETURN asked < 3;
END
$$;
