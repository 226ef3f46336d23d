package dev.infini.tools.eval;

import dev.infini.engine.tokenizer.ChatFormat;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The scripted conversations of chat-recall training and evaluation: facts a user tells early, small talk, and the
 * questions that ask for the facts later, spoken in the trained chat format ({@link ChatFormat}:
 * {@code {system}\n\n}, {@code User: {content}\n}, {@code Assistant: {content}</s>\n}, prompt {@code Assistant:}).
 */
public final class ChatScript {

    /** The system message. */
    public static final String SYSTEM = "You are a helpful assistant.";

    private static final String[] NAMES = {"Tom", "Lily", "Ben", "Mia", "Sam", "Anna", "Max", "Lucy", "Jack", "Emma",
        "Leo", "Sara", "Tim", "Zoe", "Dan", "Kate", "Ned", "Ruth", "Paul", "Ivy"};
    private static final String[] COLORS = {"red", "blue", "green", "yellow", "purple", "orange", "pink", "brown",
        "black", "white"};
    private static final String[] PETS = {"Spot", "Max", "Bella", "Rex", "Fluffy", "Buddy", "Daisy", "Coco", "Milo",
        "Luna"};
    private static final String[] CITIES = {"Paris", "London", "Rome", "Berlin", "Tokyo", "Boston", "Madrid",
        "Dublin", "Oslo", "Lima"};
    private static final String[] ANIMALS = {"cat", "dog", "bird", "fish", "frog", "bear", "rabbit", "duck", "lion",
        "mouse"};
    private static final String[] THINGS = {"ball", "tree", "cake", "car", "book", "hat", "boat", "flower", "kite",
        "box"};
    private static final String[] FEELINGS = {"happy", "sad", "tired", "excited", "bored", "hungry", "sleepy",
        "curious"};

    private ChatScript() {
    }

    /**
     * A fact: what the user says, the assistant's acknowledgement, the later question and its expected answer.
     *
     * @param value the word the answer must contain
     */
    public record Fact(String tell, String acknowledge, String ask, String answer, String value) {
    }

    /** The five kinds of fact, each with a random value, in random order. */
    public static List<Fact> facts(RandomGenerator r) {
        List<Fact> facts = new ArrayList<>(List.of(
                fact("My name is %s. Please remember it.", "Nice to meet you, %s. I will remember your name.",
                        "What is my name?", "Your name is %s.", pick(r, NAMES)),
                fact("My favorite color is %s.", "Good to know: your favorite color is %s.",
                        "What is my favorite color?", "Your favorite color is %s.", pick(r, COLORS)),
                fact("My dog is called %s.", "%s is a lovely name for a dog.",
                        "What is my dog called?", "Your dog is called %s.", pick(r, PETS)),
                fact("I live in %s.", "%s is a nice place to live.",
                        "Where do I live?", "You live in %s.", pick(r, CITIES)),
                fact("My lucky number is %s.", "I will remember your lucky number %s.",
                        "What is my lucky number?", "Your lucky number is %s.", Integer.toString(1 + r.nextInt(99)))));
        for (int i = facts.size() - 1; i > 0; i--) {
            java.util.Collections.swap(facts, i, r.nextInt(i + 1));
        }
        return facts;
    }

    /**
     * Every word the script puts in a slot: the values of facts (lucky numbers aside) and the animals, things and
     * feelings of small talk.
     */
    public static List<String> words() {
        List<String> words = new ArrayList<>();
        for (String[] kind : new String[][] {NAMES, COLORS, PETS, CITIES, ANIMALS, THINGS, FEELINGS}) {
            words.addAll(List.of(kind));
        }
        return words;
    }

    /**
     * A small-talk turn: what the user says and a reply about it. In evaluation the model writes its own reply; in
     * training the reply follows the message (the story is about the animal asked for, the advice about the thing),
     * so that a trained model answers small talk in kind instead of with a fact nobody asked for.
     */
    public record SmallTalk(String question, String answer) {
    }

    /** A random small-talk turn. */
    public static SmallTalk smallTalk(RandomGenerator r) {
        return switch (r.nextInt(4)) {
            case 0 -> {
                String animal = pick(r, ANIMALS);
                yield new SmallTalk("Tell me a story about a " + animal + ".", "Once upon a time, there was a little "
                        + animal + ". It loved to play with a " + pick(r, THINGS) + " every day, and it was very "
                        + pick(r, FEELINGS) + ".");
            }
            case 1 -> {
                String thing = pick(r, THINGS);
                yield new SmallTalk("What should I do with my " + thing + "?",
                        "You can share your " + thing + " with a friend. Playing together is fun.");
            }
            case 2 -> {
                String feeling = pick(r, FEELINGS);
                yield new SmallTalk("I feel " + feeling + " today.",
                        "It is okay to feel " + feeling + ". Maybe a walk in the park will help.");
            }
            default -> {
                String animal = pick(r, ANIMALS);
                String thing = pick(r, THINGS);
                yield new SmallTalk("Can a " + animal + " play with a " + thing + "?",
                        "Yes! The " + animal + " and the " + thing + " had a great day.");
            }
        };
    }

    private static Fact fact(String tell, String ack, String ask, String answer, String value) {
        return new Fact(String.format(tell, value), String.format(ack, value), ask, String.format(answer, value), value);
    }

    private static String pick(RandomGenerator r, String[] values) {
        return values[r.nextInt(values.length)];
    }
}
