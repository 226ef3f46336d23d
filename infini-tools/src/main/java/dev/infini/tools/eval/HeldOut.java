package dev.infini.tools.eval;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The one rule that splits every value list, template set, small-talk set and corpus of recall training into a
 * train part and a test part: an item belongs to the test part when the SHA-256 of {@code "infini-heldout-v1:"} +
 * its trimmed, lower-cased text, read as a big-endian unsigned number, is divisible by 5 (about 20 %). The rule
 * depends on the item alone, not on the list it comes from or its position, so a value that appears in two lists
 * (a name that is also a word) lands on the same side in both, and a list that grows keeps every old item's side.
 * Documents of a corpus are split by their identifier (package and file), not by their text.
 */
public enum HeldOut {
    /** May be trained on. */
    TRAIN,
    /** Never trained on: evaluation only. */
    TEST;

    private static final String SALT = "infini-heldout-v1:";

    /** The part an item belongs to. */
    public static HeldOut of(String item) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(
                    (SALT + item.strip().toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        return new java.math.BigInteger(1, digest).mod(java.math.BigInteger.valueOf(5)).signum() == 0 ? TEST : TRAIN;
    }

    /** True when the item belongs to this part. */
    public boolean holds(String item) {
        return of(item) == this;
    }

    /** The items of a collection that belong to this part, in order. */
    public List<String> select(Collection<String> items) {
        return items.stream().filter(this::holds).toList();
    }
}
