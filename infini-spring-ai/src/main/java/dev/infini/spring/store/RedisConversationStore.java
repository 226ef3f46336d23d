package dev.infini.spring.store;

import dev.infini.spring.ConversationStoreException;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Conversations in Redis, through Spring Boot's {@link RedisConnectionFactory} (so {@code spring.data.redis.*},
 * Sentinel, Cluster, TLS, ACL users, {@code @ServiceConnection} and docker-compose work unchanged).
 * <p>
 * Layout, under a configurable prefix ({@code infini:} by default): one hash {@code <prefix>c:<id>} per conversation
 * with the fields {@code v} (version), {@code e} (the write's random tag), {@code s} (the binary state blob),
 * {@code t} (nanoseconds
 * of the last turn) and {@code m:<key>} (metadata); and a lock key {@code <prefix>lock:<id>} while a turn runs.
 * Every key of a conversation is touched alone, so Redis Cluster needs no hash tags; listing scans every primary of
 * a cluster.
 * <ul>
 * <li>{@link #save} is one Lua script: compare the stored version and tag with the expected ones, then write state,
 * version, a fresh tag and time-to-live together, or nothing. {@link #stamp} reads version, tag and the SHA-1 of
 * the blob inside Redis, so a hot copy is reused only while Redis holds exactly the blob its instance wrote.</li>
 * <li>{@link #create} and {@link #putMetadata} are Lua scripts too: create only where nothing is, write metadata
 * only where something is.</li>
 * <li>{@link #lock} is {@code SET NX PX} with a random token and a short lease, renewed by its holder every third
 * of the lease while the turn runs and released by a Lua script only by its owner; an instance that dies mid-turn
 * blocks the conversation for at most one lease, and the versioned save keeps a turn that outlived its lease from
 * overwriting a newer state.</li>
 * </ul>
 */
public final class RedisConversationStore implements ConversationStore, AutoCloseable {

    private static final RedisScript<Long> SAVE = new DefaultRedisScript<>("""
            local current = redis.call('HMGET', KEYS[1], 'v', 'e')
            local v = current[1] or '0'
            local e = current[2] or '0'
            if v ~= ARGV[1] or e ~= ARGV[5] then return -1 end
            local nv = tonumber(v) + 1
            redis.call('HSET', KEYS[1], 'v', tostring(nv), 'e', ARGV[6], 's', ARGV[2], 't', ARGV[4])
            if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
            return nv
            """, Long.class);

    // The digest is computed where the blob lies, so checking a hot copy costs no download.
    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> STAMP = new DefaultRedisScript<>("""
            local f = redis.call('HMGET', KEYS[1], 'v', 'e', 's')
            local d = ''
            if f[3] then d = redis.sha1hex(f[3]) end
            return {f[1] or '0', f[2] or '0', d}
            """, List.class);

    private static final RedisScript<Long> CREATE = new DefaultRedisScript<>("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('HSET', KEYS[1], 'e', ARGV[1], unpack(ARGV, 3))
            if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 1
            """, Long.class);

    // Only on an existing conversation: a turn's late metadata must not bring a deleted conversation back.
    private static final RedisScript<Long> PUT_METADATA = new DefaultRedisScript<>("""
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            for i = 2, #ARGV, 3 do
              if ARGV[i + 2] == '1' then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
              else redis.call('HDEL', KEYS[1], ARGV[i]) end
            end
            if tonumber(ARGV[1]) > 0 and redis.call('EXISTS', KEYS[1]) == 1 then
              redis.call('PEXPIRE', KEYS[1], ARGV[1])
            end
            return 1
            """, Long.class);

    private static final RedisScript<Long> RELEASE = new DefaultRedisScript<>("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """, Long.class);

    private static final RedisScript<Long> RENEW = new DefaultRedisScript<>("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0
            """, Long.class);

    private static final String VERSION = "v";
    private static final String TAG = "e";
    private static final String STATE = "s";
    private static final String LAST_TURN = "t";
    private static final String META = "m:";

    private final RedisTemplate<String, byte[]> redis;
    private final String prefix;
    private final Duration ttl;
    private final Duration lockLease;
    private final ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "infini-lock-renewal");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param connectionFactory Boot's connection factory
     * @param keyPrefix         prefix of every key (e.g. {@code infini:})
     * @param ttl               time-to-live of a conversation since its last write, or zero/null for none
     * @param lockLease         how long a turn lock outlives its holder: renewed every third of it while the turn
     *                          runs, so it bounds how long a crashed instance blocks a conversation
     */
    public RedisConversationStore(RedisConnectionFactory connectionFactory, String keyPrefix, Duration ttl,
                                  Duration lockLease) {
        RedisTemplate<String, byte[]> template = new RedisTemplate<>();
        template.setConnectionFactory(connectionFactory);
        template.setKeySerializer(RedisSerializer.string());
        template.setValueSerializer(RedisSerializer.byteArray());
        template.setHashKeySerializer(RedisSerializer.string());
        template.setHashValueSerializer(RedisSerializer.byteArray());
        template.afterPropertiesSet();
        this.redis = template;
        this.prefix = keyPrefix == null ? "" : keyPrefix;
        this.ttl = ttl == null || ttl.isNegative() ? Duration.ZERO : ttl;
        if (lockLease == null || lockLease.toMillis() < 300) {
            throw new IllegalArgumentException("the lock lease must be at least 300 ms, got " + lockLease);
        }
        this.lockLease = lockLease;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public String description() {
        String where = "redis";
        if (redis.getConnectionFactory() instanceof LettuceConnectionFactory lettuce) {
            if (lettuce.getClusterConfiguration() != null) {
                where = "redis cluster " + lettuce.getClusterConfiguration().getClusterNodes();
            } else if (lettuce.getSentinelConfiguration() != null) {
                where = "redis sentinel master " + lettuce.getSentinelConfiguration().getMaster().getName();
            } else {
                where = "redis at " + lettuce.getHostName() + ":" + lettuce.getPort();
            }
        }
        return where + " (keys " + prefix + "*)";
    }

    /** The hash key of a conversation. */
    public String stateKey(String conversationId) {
        return prefix + "c:" + conversationId;
    }

    private String lockKey(String conversationId) {
        return prefix + "lock:" + conversationId;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(Object o) {
        return o == null ? null : new String((byte[]) o, StandardCharsets.UTF_8);
    }

    private <T> T call(String conversationId, String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (DataAccessException e) {
            throw new ConversationStoreException(conversationId, "Redis could not " + what
                    + (conversationId == null ? "" : " conversation '" + conversationId + "'") + ": " + e.getMessage()
                    + " (nothing was written; the conversation keeps its last completed turn)", e);
        }
    }

    @Override
    public Optional<StoredState> load(String conversationId) {
        List<Object> values = call(conversationId, "load", () -> redis.opsForHash()
                .multiGet(stateKey(conversationId), List.of(VERSION, TAG, STATE)));
        if (values == null || values.get(2) == null) {
            return Optional.empty();
        }
        byte[] state = (byte[]) values.get(2);
        return Optional.of(new StoredState(state, new Stamp(parse(values.get(1)), parse(values.get(0)),
                Stamp.sha1Hex(state))));
    }

    private static long parse(Object field) {
        return field == null ? 0 : Long.parseLong(string(field));
    }

    @Override
    public Stamp stamp(String conversationId) {
        List<?> fields = call(conversationId, "read the version of",
                () -> redis.execute(STAMP, List.of(stateKey(conversationId))));
        long version = parse(fields.get(0));
        long tag = parse(fields.get(1));
        String digest = string(fields.get(2));
        return tag == 0 && version == 0 ? Stamp.NONE
                : new Stamp(tag, version, digest == null || digest.isEmpty() ? null : digest);
    }

    @Override
    public Optional<Stamp> save(String conversationId, Stamp expected, byte[] state, Duration lastTurn) {
        Stamp next = expected.next(state);
        Long result = call(conversationId, "save", () -> redis.execute(SAVE, List.of(stateKey(conversationId)),
                bytes(Long.toString(expected.version())), state, bytes(Long.toString(ttl.toMillis())),
                bytes(Long.toString(lastTurn == null ? -1 : lastTurn.toNanos())),
                bytes(Long.toString(expected.tag())), bytes(Long.toString(next.tag()))));
        return result == null || result < 0 ? Optional.empty() : Optional.of(next);
    }

    @Override
    public boolean create(String conversationId, Map<String, String> metadata) {
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(Long.toString(Stamp.created().tag())));
        args.add(bytes(Long.toString(ttl.toMillis())));
        metadata.forEach((k, v) -> {
            args.add(bytes(META + k));
            args.add(bytes(v));
        });
        Long created = call(conversationId, "create", () -> redis.execute(CREATE, List.of(stateKey(conversationId)),
                args.toArray()));
        return created != null && created == 1;
    }

    @Override
    public Optional<Duration> lastTurn(String conversationId) {
        Object t = call(conversationId, "read", () -> redis.opsForHash().get(stateKey(conversationId), LAST_TURN));
        long nanos = t == null ? -1 : Long.parseLong(string(t));
        return nanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos));
    }

    @Override
    public boolean delete(String conversationId) {
        return Boolean.TRUE.equals(call(conversationId, "delete", () -> redis.delete(stateKey(conversationId))));
    }

    @Override
    public List<String> conversationIds() {
        String start = prefix + "c:";
        ScanOptions options = ScanOptions.scanOptions().match(escapeGlob(start) + "*").count(500).build();
        return call(null, "list conversations", () -> redis.execute((RedisCallback<List<String>>) connection -> {
            List<String> ids = new ArrayList<>();
            if (connection instanceof RedisClusterConnection cluster) {
                // SCAN walks one node: visit every primary of the cluster
                for (RedisClusterNode node : cluster.clusterGetNodes()) {
                    if (node.isMaster()) {
                        collect(cluster.scan(node, options), start, ids);
                    }
                }
            } else {
                collect(connection.keyCommands().scan(options), start, ids);
            }
            return ids;
        }, true));
    }

    private static void collect(Cursor<byte[]> keys, String start, List<String> ids) {
        try (keys) {
            keys.forEachRemaining(k -> ids.add(new String(k, StandardCharsets.UTF_8).substring(start.length())));
        }
    }

    private static String escapeGlob(String s) {
        return s.replaceAll("([*?\\[\\]\\\\^])", "\\\\$1");
    }

    @Override
    public Map<String, String> metadata(String conversationId) {
        Map<Object, Object> all = call(conversationId, "read metadata of",
                () -> redis.opsForHash().entries(stateKey(conversationId)));
        Map<String, String> metadata = new HashMap<>();
        all.forEach((k, v) -> {
            String key = (String) k;
            if (key.startsWith(META)) {
                metadata.put(key.substring(META.length()), string(v));
            }
        });
        return Map.copyOf(metadata);
    }

    @Override
    public boolean putMetadata(String conversationId, Map<String, String> entries) {
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(Long.toString(ttl.toMillis())));
        entries.forEach((k, v) -> {
            args.add(bytes(META + k));
            args.add(v == null ? new byte[0] : bytes(v));
            args.add(bytes(v == null ? "0" : "1"));
        });
        Long written = call(conversationId, "write metadata of", () -> redis.execute(PUT_METADATA,
                List.of(stateKey(conversationId)), args.toArray()));
        return written != null && written == 1;
    }

    @Override
    public Optional<TurnLock> lock(String conversationId, Duration wait) {
        String key = lockKey(conversationId);
        byte[] token = bytes(UUID.randomUUID().toString());
        long deadline = System.nanoTime() + wait.toNanos();
        long pause = 5;
        while (true) {
            Boolean taken = call(conversationId, "lock",
                    () -> redis.opsForValue().setIfAbsent(key, token, lockLease));
            if (Boolean.TRUE.equals(taken)) {
                long period = lockLease.toMillis() / 3;
                ScheduledFuture<?> renewal = renewals.scheduleAtFixedRate(() -> renew(conversationId, key, token),
                        period, period, TimeUnit.MILLISECONDS);
                return Optional.of(() -> {
                    renewal.cancel(false);
                    release(conversationId, key, token);
                });
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            try {
                Thread.sleep(Math.min(pause, Math.max(1, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            pause = Math.min(pause * 2, 100);
        }
    }

    private void renew(String conversationId, String key, byte[] token) {
        try {
            Long renewed = redis.execute(RENEW, List.of(key), token, bytes(Long.toString(lockLease.toMillis())));
            if (renewed == null || renewed == 0) {
                org.slf4j.LoggerFactory.getLogger(RedisConversationStore.class).warn(
                        "the turn lock of conversation '{}' was lost while its turn ran; its save will be refused if"
                        + " another turn moved the conversation on", conversationId);
                throw new IllegalStateException("lock lost"); // ends this renewal's schedule
            }
        } catch (DataAccessException e) {
            org.slf4j.LoggerFactory.getLogger(RedisConversationStore.class).warn(
                    "could not renew the turn lock of conversation '{}': {}", conversationId, e.getMessage());
        }
    }

    private void release(String conversationId, String key, byte[] token) {
        // A cancelled stream interrupts the turn's thread; Lettuce would then abandon the release, and the next turn
        // of this conversation would wait for the lease. Release with the flag cleared, then restore it.
        boolean interrupted = Thread.interrupted();
        try {
            redis.execute(RELEASE, List.of(key), (Object) token);
        } catch (DataAccessException e) {
            // the lease frees it; the versioned save already protects the state
            org.slf4j.LoggerFactory.getLogger(RedisConversationStore.class).warn(
                    "could not release the turn lock of conversation '{}' ({}); it expires after {}",
                    conversationId, e.getMessage(), lockLease);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void ping() {
        call(null, "be reached", () -> redis.execute((RedisCallback<String>) c -> c.ping()));
    }

    /** Stops renewing locks; locks still held then expire after their lease. */
    @Override
    public void close() {
        renewals.shutdownNow();
    }
}
