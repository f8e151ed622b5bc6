-- wrk script for Benchmarks/intake: POSTs submissions with a distinct Idempotency-Key each,
-- rotating over the organisations' tokens, and counts what the server acknowledged.
local threads = {}
local next_id = 1

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

function init(args)
    tokens = {}
    for line in io.lines(os.getenv("TOKENS_FILE")) do
        tokens[#tokens + 1] = line
    end
    run = os.getenv("RUN_ID")
    path = os.getenv("SUBMIT_PATH")
    body = '{"title":"French Tech Tremplin 2025","summary":"Opening the ecosystem to founders from every '
        .. 'neighbourhood, with mentoring, office hours and a demo day.","requestedCents":4500000,'
        .. '"totalCostCents":9000000,"ambitions":["talents_and_territories","world_class"],'
        .. '"contact":{"name":"Camille Martin","email":"camille@example.org"}}'
    counter = 0
    created = 0
    refused = 0
end

function request()
    counter = counter + 1
    local token = tokens[(counter + id * 7919) % #tokens + 1]
    return wrk.format("POST", path, {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = run .. "-" .. id .. "-" .. counter,
    }, body)
end

function response(status, headers, body)
    if status == 201 then
        created = created + 1
    else
        refused = refused + 1
        if refused <= 3 then io.stderr:write("status " .. status .. ": " .. body .. "\n") end
    end
end

function done(summary, latency, requests)
    local total_created, total_refused = 0, 0
    for _, thread in ipairs(threads) do
        total_created = total_created + thread:get("created")
        total_refused = total_refused + thread:get("refused")
    end
    io.write(string.format("RESULT created=%d refused=%d errors=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f\n",
        total_created, total_refused,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
        summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
