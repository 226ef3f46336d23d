package dev.infini.spring.store;

import dev.infini.spring.ConversationStoreException;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Conversations as files in one folder, surviving restarts on one machine (not shared between processes: turns
 * are serialized inside this process only). Each conversation has {@code <id>.state} (tag, version, last turn
 * duration, state blob; no blob while it was only created) and optionally {@code <id>.meta} (properties); the id
 * is Base64url-encoded in the file
 * name. Every write goes to a temporary file first and is then atomically renamed over the old one, so a crash
 * leaves either the old or the new file, never half of one.
 */
public final class FileConversationStore implements ConversationStore {

    private static final String STATE = ".state";
    private static final String META = ".meta";
    private final Path dir;
    private final Duration ttl;

    /**
     * @param dir folder for the files, created if missing
     * @param ttl time-to-live since the last write, or zero/null to keep conversations forever
     */
    public FileConversationStore(Path dir, Duration ttl) {
        this.dir = dir;
        this.ttl = ttl == null || ttl.isNegative() ? Duration.ZERO : ttl;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConversationStoreException(null, "cannot create the conversation folder " + dir + ": " + e, e);
        }
    }

    /** The folder holding the files. */
    public Path directory() {
        return dir;
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public String description() {
        return "files in " + dir.toAbsolutePath().normalize();
    }

    private static String fileName(String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id.getBytes(StandardCharsets.UTF_8));
    }

    private Path stateFile(String id) {
        return dir.resolve(fileName(id) + STATE);
    }

    private Path metaFile(String id) {
        return dir.resolve(fileName(id) + META);
    }

    // Expired conversations are removed when next touched.
    private synchronized boolean expired(String id) throws IOException {
        if (ttl.isZero()) {
            return false;
        }
        Instant last = null;
        for (Path p : List.of(stateFile(id), metaFile(id))) {
            if (Files.exists(p)) {
                Instant t = Files.getLastModifiedTime(p).toInstant();
                last = last == null || t.isAfter(last) ? t : last;
            }
        }
        if (last != null && !Instant.now().isBefore(last.plus(ttl))) {
            Files.deleteIfExists(stateFile(id));
            Files.deleteIfExists(metaFile(id));
            return true;
        }
        return false;
    }

    private static final int HEADER = 24;

    private synchronized Optional<byte[]> read(String id) {
        try {
            if (expired(id)) {
                return Optional.empty();
            }
            return Optional.of(Files.readAllBytes(stateFile(id)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure(id, "read", e);
        }
    }

    /** The file's stamp; the digest is computed only here, where it is asked for. */
    private static Stamp stamp(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file);
        long tag = b.getLong();
        long version = b.getLong();
        String digest = file.length > HEADER ? Stamp.sha1Hex(blob(file)) : null;
        return new Stamp(tag, version, digest);
    }

    private static long lastTurnNanos(byte[] file) {
        return ByteBuffer.wrap(file).getLong(16);
    }

    private static byte[] blob(byte[] file) {
        return java.util.Arrays.copyOfRange(file, HEADER, file.length);
    }

    @Override
    public Optional<StoredState> load(String conversationId) {
        return read(conversationId).filter(f -> f.length > HEADER)
                .map(f -> new StoredState(blob(f), stamp(f)));
    }

    @Override
    public Stamp stamp(String conversationId) {
        return read(conversationId).map(FileConversationStore::stamp).orElse(Stamp.NONE);
    }

    @Override
    public synchronized Optional<Stamp> save(String conversationId, Stamp expected, byte[] state,
                                             Duration lastTurn) {
        if (!expected.sameWrite(stamp(conversationId))) {
            return Optional.empty();
        }
        Stamp next = expected.next(state);
        try {
            writeState(conversationId, next, lastTurn, state);
            if (Files.exists(metaFile(conversationId))) {
                Files.setLastModifiedTime(metaFile(conversationId), FileTime.from(Instant.now()));
            }
        } catch (IOException e) {
            throw failure(conversationId, "write", e);
        }
        return Optional.of(next);
    }

    private void writeState(String id, Stamp stamp, Duration lastTurn, byte[] state) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + state.length);
        b.putLong(stamp.tag()).putLong(stamp.version()).putLong(lastTurn == null ? -1 : lastTurn.toNanos())
                .put(state);
        writeAtomically(stateFile(id), b.array());
    }

    @Override
    public synchronized boolean create(String conversationId, Map<String, String> metadata) {
        try {
            if (!expired(conversationId) && (Files.exists(stateFile(conversationId))
                    || Files.exists(metaFile(conversationId)))) {
                return false;
            }
            writeMetadata(conversationId, metadata);
            writeState(conversationId, Stamp.created(), null, new byte[0]);
            return true;
        } catch (IOException e) {
            throw failure(conversationId, "create", e);
        }
    }

    private void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(dir, ".tmp-", ".part");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public Optional<Duration> lastTurn(String conversationId) {
        return read(conversationId).map(FileConversationStore::lastTurnNanos).filter(n -> n >= 0).map(Duration::ofNanos);
    }

    @Override
    public synchronized boolean delete(String conversationId) {
        try {
            boolean state = Files.deleteIfExists(stateFile(conversationId));
            boolean meta = Files.deleteIfExists(metaFile(conversationId));
            return state || meta;
        } catch (IOException e) {
            throw failure(conversationId, "delete", e);
        }
    }

    @Override
    public synchronized List<String> conversationIds() {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                String encoded = name.endsWith(STATE) ? name.substring(0, name.length() - STATE.length())
                        : name.endsWith(META) ? name.substring(0, name.length() - META.length()) : null;
                if (encoded == null || name.startsWith(".")) {
                    continue;
                }
                String id;
                try {
                    id = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException notOurs) {
                    continue; // a file someone else put in the folder
                }
                if (!ids.contains(id) && !expired(id)) {
                    ids.add(id);
                }
            }
        } catch (IOException e) {
            throw failure(null, "list", e);
        }
        return ids;
    }

    @Override
    public synchronized Map<String, String> metadata(String conversationId) {
        try {
            if (expired(conversationId) || !Files.exists(metaFile(conversationId))) {
                return Map.of();
            }
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(metaFile(conversationId), StandardCharsets.UTF_8)) {
                p.load(r);
            }
            Map<String, String> map = new TreeMap<>();
            p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k)));
            return Map.copyOf(map);
        } catch (IOException e) {
            throw failure(conversationId, "read metadata of", e);
        }
    }

    @Override
    public synchronized boolean putMetadata(String conversationId, Map<String, String> changes) {
        Map<String, String> current = new TreeMap<>(metadata(conversationId));
        try {
            if (!Files.exists(stateFile(conversationId)) && !Files.exists(metaFile(conversationId))) {
                return false; // deleted or never created: do not bring it back
            }
            changes.forEach((key, value) -> {
                if (value == null) {
                    current.remove(key);
                } else {
                    current.put(key, value);
                }
            });
            writeMetadata(conversationId, current);
            if (Files.exists(stateFile(conversationId))) {
                Files.setLastModifiedTime(stateFile(conversationId), FileTime.from(Instant.now()));
            }
            return true;
        } catch (IOException e) {
            throw failure(conversationId, "write metadata of", e);
        }
    }

    private void writeMetadata(String conversationId, Map<String, String> metadata) throws IOException {
        Properties p = new Properties();
        p.putAll(metadata);
        try (java.io.StringWriter out = new java.io.StringWriter()) {
            p.store(out, null);
            writeAtomically(metaFile(conversationId), out.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public Optional<TurnLock> lock(String conversationId, Duration wait) {
        return Optional.of(TurnLock.NONE);
    }

    @Override
    public void ping() {
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new ConversationStoreException(null, "conversation folder " + dir + " is missing or not writable",
                    null);
        }
    }

    private ConversationStoreException failure(String id, String what, Exception e) {
        return new ConversationStoreException(id, "cannot " + what + " conversation "
                + (id == null ? "files" : "'" + id + "'") + " in " + dir + ": " + e, e);
    }
}
