package dev.infini.tools.eval;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Small talk composed from everyday topics: a message that names a topic and a reply that takes it up again, for
 * replies to ordinary messages that are on topic and grammatical. {@link FactTemplates#SMALL_TALK} holds ~50 fixed
 * pairs, too few to teach a reply to a message the model has not seen (it learns to recite them); here a pair is a
 * topic (an activity, a food, a place, animals, a thing of the user's, a feeling, an event) in one of its kind's
 * message frames and one of its reply frames, thousands of pairs in all, and a reply needs the topic copied out of
 * the message, not recalled from training.
 * <p>
 * Topics, message frames and reply frames are each split by {@link HeldOut} on their text: a pair of one part uses
 * only that part's topics and frames, so the test part's pairs name topics in phrasings that training never showed.
 * <p>
 * Frames mark the topic with {@code {t}} ({@code {T}} capitalised); every topic of a kind fits every frame of it.
 */
public final class TopicTalk {

    /** A kind of topic, with the frames that fit it. */
    public record Kind(String name, List<String> topics, List<String> messages, List<String> replies) {

        /** This kind cut to one part: its topics, message frames and reply frames. */
        Kind part(HeldOut part) {
            return new Kind(name, part.select(topics), part.select(messages), part.select(replies));
        }
    }

    /** A message and a reply about the same topic. */
    public record Pair(String topic, String message, String reply) {
    }

    /** Every kind, both parts. */
    public static final List<Kind> KINDS = List.of(
            new Kind("activity", List.of("swimming", "baking bread", "playing chess", "knitting", "running",
                    "painting", "learning Spanish", "playing the piano", "fishing", "hiking", "reading poetry",
                    "writing letters", "camping", "dancing", "gardening", "skating", "sewing", "drawing",
                    "singing in a choir", "doing yoga", "cycling", "rowing", "climbing", "making pottery", "bird watching",
                    "playing the violin", "cooking curry", "learning French", "sailing", "skiing", "surfing",
                    "jogging before work", "doing puzzles", "taking photos", "playing tennis", "woodworking",
                    "horse riding", "writing poems", "playing football", "juggling", "crocheting",
                    "learning to code", "making jam", "ice fishing", "playing the drums", "bowling"),
                    List.of("I love {t}.", "I started {t} last month.", "Do you like {t}?",
                            "I spent the whole afternoon {t}.", "I want to get better at {t}.",
                            "My friend got me into {t}.", "Is {t} a good hobby?",
                            "I tried {t} for the first time today.", "Lately I have been {t} a lot.",
                            "Can you give me a tip for {t}?", "I'm thinking about {t} this weekend.",
                            "What do you think about {t}?"),
                    List.of("{T} is a lovely way to spend time. How often do you do it?",
                            "That's great! {T} takes patience, but it is worth it.",
                            "I think {t} is good for body and mind.",
                            "Getting better at {t} takes practice. A little every day helps.",
                            "How nice! What do you enjoy most about {t}?",
                            "{T} sounds like fun. Who showed you how?",
                            "Many people find {t} relaxing. I hope you enjoy it.",
                            "Start slowly with {t} and be patient with yourself.",
                            "Good for you! {T} is a wonderful hobby.",
                            "Oh, I like {t}! Do you do it alone or with friends?",
                            "What a nice way to spend your free time. {T} can keep you busy for years.",
                            "Keep it up! Everyone starts slowly with {t}.",
                            "Ah, {t}! That is a hobby with a lot to learn.",
                            "{T} sounds relaxing. Do you have a favourite place for it?",
                            "You must enjoy {t} a lot. How long have you been at it?",
                            "{T} is a great thing to share with friends.",
                            "Nice! I hear {t} is good exercise for the mind.",
                            "So you like {t}. What got you started?",
                            "It is never too late to start {t}.")),
            new Kind("food", List.of("pancakes", "tomato soup", "apple pie", "fresh bread", "noodles",
                    "roast chicken", "lemon cake", "porridge", "fish and chips", "vegetable curry", "strawberries",
                    "dumplings", "rice pudding", "grilled cheese", "mushroom risotto", "cherry tart", "lentil stew",
                    "chocolate cookies", "potato salad", "banana bread", "omelettes", "sushi", "waffles",
                    "bean soup", "fried rice", "carrot cake", "muffins", "spaghetti", "plum jam", "hot chocolate",
                    "pumpkin soup", "blueberry pie", "scrambled eggs", "falafel", "pea soup", "cinnamon rolls"),
                    List.of("I had {t} for dinner.", "Do you like {t}?", "I want to learn to make {t}.",
                            "We made {t} together today.", "My grandmother makes the best {t}.",
                            "I'm craving {t} right now.", "Is {t} hard to make?", "I had {t} for lunch today.",
                            "Tonight I am cooking {t}.", "Nothing beats {t} on a cold day."),
                    List.of("That sounds delicious! Did you make the {t} yourself?",
                            "Yum, {t}! That is a good choice.",
                            "I like the sound of {t}. What else did you have?",
                            "Home-made {t} is the best. Enjoy every bite!",
                            "Making {t} is easier than people think. Start with a simple recipe.",
                            "Mmm, {t}. Now I am hungry too.",
                            "How lovely! Cooking {t} with someone is twice the fun.",
                            "{T} on a cold day is hard to beat.",
                            "Oh, {t}! Is that one of your favourites?",
                            "I think {t} is a great choice for any day of the week.",
                            "Good {t} needs good ingredients. Where do you buy yours?")),
            new Kind("place", List.of("the beach", "the library", "the ski resort", "the museum", "the market",
                    "the zoo", "the old castle", "the lake", "the cinema", "the park", "the swimming pool",
                    "the forest", "the harbour", "the botanical garden", "the city centre", "the farm",
                    "the concert hall", "the fair", "the island", "the art gallery", "the aquarium",
                    "the ice rink", "the bakery on the corner", "the river", "the seaside", "the theatre",
                    "the old town", "the town hall", "the bookshop", "the train museum", "the flower show",
                    "the night market", "the waterfall", "the campsite"),
                    List.of("I'm going to {t} tomorrow.", "We spent the day at {t}.", "Have you ever been to {t}?",
                            "I love visiting {t}.", "What can I do at {t}?", "I went to {t} with my family.",
                            "We might go to {t} this weekend.", "I just came back from {t}.",
                            "My kids want to go to {t}."),
                    List.of("{T} sounds like a lovely place. What will you do there?",
                            "A day at {t} is always nice. Take some water and a snack.",
                            "I hope you have a good time at {t}!",
                            "There is always something to see at {t}.",
                            "How fun! What did you like best about {t}?",
                            "Going to {t} with family makes good memories.",
                            "{T} is a great choice for a day out.",
                            "Enjoy {t}, and tell me about it afterwards.",
                            "Oh, I have heard good things about {t}. Who is going with you?",
                            "A visit to {t} sounds like a lovely plan.",
                            "What a good idea! Don't forget your camera at {t}.")),
            new Kind("animals", List.of("owls", "dolphins", "horses", "rabbits", "bees", "hedgehogs",
                    "penguins", "frogs", "foxes", "ducks", "elephants", "squirrels", "butterflies", "whales",
                    "goats", "parrots", "turtles", "lions", "otters", "deer", "swans", "bats", "koalas", "wolves",
                    "seals", "giraffes", "pigeons", "ladybirds", "crabs", "zebras", "snails", "robins",
                    "kangaroos", "tigers", "sheep", "badgers"),
                    List.of("I love {t}.", "Do you like {t}?", "I saw some {t} today.",
                            "My daughter wants to learn about {t}.", "We watched {t} at the park.",
                            "I read a book about {t}.", "There were {t} near our house this morning.",
                            "My son is drawing {t}.", "Are {t} good pets?"),
                    List.of("{T} are wonderful animals. Where did you see them?",
                            "I like {t} too. They are fascinating to watch.",
                            "Many children love {t}. A picture book about them could be fun.",
                            "How lucky! Seeing {t} up close is special.",
                            "{T} are amazing. Did you take a photo?",
                            "Learning about {t} is a great idea. There is so much to know.",
                            "Oh, {t}! They always make me smile.",
                            "It is best to watch {t} from a little distance.")),
            new Kind("thing", List.of("bike", "camera", "umbrella", "phone", "guitar", "watch", "scarf",
                    "kite", "telescope", "laptop", "garden chair", "coffee machine", "rucksack", "sewing machine",
                    "winter coat", "bookshelf", "skateboard", "alarm clock", "tent", "lamp", "radio",
                    "piano stool", "fishing rod", "record player", "sofa", "backpack", "teapot", "tablet",
                    "wallet", "car", "keyboard", "hat", "lawn mower", "heater", "microwave", "boat"),
                    List.of("I just bought a new {t}.", "My {t} broke today.", "I love my old {t}.",
                            "I lost my {t} yesterday.", "I'm fixing my {t} this weekend.",
                            "My brother gave me his {t}.", "Should I buy a new {t}?", "My {t} is making a strange noise.",
                            "I painted my {t} blue."),
                    List.of("A new {t}! I hope you enjoy it.", "Oh no! I hope your {t} can be fixed.",
                            "Old things like your {t} often have a story. Take good care of it.",
                            "I hope you find your {t} soon. Have you checked everywhere?",
                            "Fixing your {t} yourself is a good idea. Take it one step at a time.",
                            "That was kind of him. I hope the {t} serves you well.",
                            "If your {t} still works, maybe it can wait a little longer.",
                            "A good {t} makes life easier.")),
            new Kind("feeling", List.of("tired", "sad", "worried", "lonely", "stressed", "sleepy", "bored",
                    "nervous", "grumpy", "homesick", "gloomy", "restless", "exhausted", "confused",
                    "overwhelmed", "anxious", "unwell", "cold"),
                    List.of("I feel {t} today.", "I'm so {t} right now.", "Honestly, I'm feeling {t}.",
                            "I have been {t} all week.", "Why do I always feel {t} on Mondays?",
                            "I woke up feeling {t}."),
                    List.of("I'm sorry you feel {t}. Would you like to talk about it?",
                            "Feeling {t} is hard. Be kind to yourself today.",
                            "That sounds tough. A short walk or some rest can help when you feel {t}.",
                            "I hear you. Feeling {t} happens to everyone now and then.",
                            "Thank you for telling me you feel {t}. What could make today better?",
                            "Take a deep breath. Feeling {t} will pass.",
                            "Oh no, feeling {t} is no fun. Is something on your mind?",
                            "When I hear you feel {t}, I want to say: go easy on yourself today.",
                            "Maybe a cup of tea and an early night will help if you feel {t}.",
                            "I'm sorry to hear that you are {t}. I'm here for you.",
                            "Being {t} now and then is normal. Rest if you can.",
                            "It is all right to feel {t}. Do something kind for yourself today.",
                            "Feeling {t} is not easy. I hope tomorrow is better.")),
            new Kind("good feeling", List.of("happy", "excited", "proud", "relaxed", "grateful", "cheerful",
                    "hopeful", "calm", "lucky", "full of energy", "peaceful", "curious", "inspired", "rested"),
                    List.of("I feel {t} today.", "I'm so {t} right now.", "Honestly, I'm feeling {t}.",
                            "I woke up feeling {t}.", "I have been {t} all week.",
                            "Today I feel really {t}.", "I am feeling {t} this morning.", "Guess what, I'm {t}!",
                            "After the weekend I feel {t}.",
                            "I feel so {t} this evening.", "This week I have felt {t}.",
                            "I'm {t} today, for no reason at all.", "It's a sunny day and I feel {t}.",
                            "I feel quite {t} after that walk."),
                    List.of("I'm glad you feel {t}! What made your day?", "How nice to feel {t}. Enjoy it!",
                            "That is wonderful. Feeling {t} is the best.",
                            "Lovely! It is good to feel {t} now and then.",
                            "I'm happy for you. What has made you so {t}?")),
            new Kind("event", List.of("job interview", "exam", "concert", "school play", "football match",
                    "birthday party", "wedding", "driving test", "piano recital", "dentist appointment",
                    "science fair", "family dinner", "dance show", "chess tournament", "marathon", "book club",
                    "first day at work", "class trip", "summer festival", "swimming race", "art show",
                    "job fair", "team meeting", "spelling contest", "charity run", "baking contest"),
                    List.of("The {t} is tomorrow and I'm nervous.", "I'm getting ready for the {t}.",
                            "The {t} went really well!", "I can't stop thinking about the {t}.",
                            "Do you have any advice for the {t}?", "The {t} is next week.",
                            "I'm so excited about the {t}.", "We just got home from the {t}."),
                    List.of("Good luck with the {t}! You have prepared well.", "I'm sure the {t} will go well.",
                            "How exciting! Tell me how the {t} goes.",
                            "Congratulations! You must be happy the {t} went well.",
                            "Get some rest before the {t}, and you will do fine.",
                            "It is normal to be nervous before the {t}. Take a deep breath.",
                            "I hope you enjoyed the {t}. What was the best part?")));

    private TopicTalk() {
    }

    /** The kinds cut to one part, each with at least one topic and frame of each side in it. */
    public static List<Kind> kinds(HeldOut part) {
        return KINDS.stream().map(k -> k.part(part))
                .filter(k -> !k.topics().isEmpty() && !k.messages().isEmpty() && !k.replies().isEmpty()).toList();
    }

    /** A random pair of the given kinds (one part's, from {@link #kinds}). */
    public static Pair pair(RandomGenerator random, List<Kind> kinds) {
        Kind kind = FactTemplates.pick(random, kinds);
        String topic = FactTemplates.pick(random, kind.topics());
        return new Pair(topic, fill(FactTemplates.pick(random, kind.messages()), topic),
                fill(FactTemplates.pick(random, kind.replies()), topic));
    }

    /** A frame with its topic filled. */
    public static String fill(String frame, String topic) {
        return frame.replace("{t}", topic)
                .replace("{T}", topic.substring(0, 1).toUpperCase(Locale.ROOT) + topic.substring(1));
    }
}
