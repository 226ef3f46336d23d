package dev.infini.tools.eval;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Small talk composed from everyday topics: a message that names a topic and a reply that takes it up again, for
 * replies to ordinary messages that are on topic and grammatical. {@link FactTemplates#SMALL_TALK} holds ~50 fixed
 * pairs, too few to teach a reply to a message the model has not seen (it learns to recite them); here a pair is a
 * topic (an activity, a food, a place, animals, a thing of the user's, a feeling, a good feeling, an event, the
 * weather, a person close to the user, the hero of a story asked for) in one of its kind's message frames,
 * answered by one of the reply frames written for that message (a lost umbrella is not congratulated on being new),
 * thousands of pairs in all, and a reply needs the topic copied out of the message, not recalled from training.
 * <p>
 * Topics and exchanges are split by {@link HeldOut}, exchanges on their message frame: a pair of one part uses only
 * that part's topics and exchanges, so the test part's pairs name topics in phrasings, and get replies, that
 * training never showed.
 * <p>
 * Frames mark the topic with {@code {t}} ({@code {T}} capitalised); every topic of a kind fits every frame of it.
 */
public final class TopicTalk {

    /** A message frame and the reply frames that answer it; no reply frame answers two messages. */
    public record Exchange(String message, List<String> replies) {
    }

    /** A kind of topic, with the exchanges that fit every topic of it. */
    public record Kind(String name, List<String> topics, List<Exchange> exchanges) {

        /** This kind cut to one part: its topics, and the exchanges whose message frame is of the part. */
        Kind part(HeldOut part) {
            return new Kind(name, part.select(topics),
                    exchanges.stream().filter(e -> part.holds(e.message())).toList());
        }
    }

    /** A message and a reply about the same topic. */
    public record Pair(String topic, String message, String reply) {
    }

    /** Every kind, both parts. */
    public static final List<Kind> KINDS = List.of(
            new Kind("activity", List.of("swimming", "baking bread", "playing chess", "knitting", "running",
                    "painting landscapes", "learning Spanish", "playing the piano", "fishing", "hiking", "reading poetry",
                    "writing letters", "camping", "dancing", "gardening", "skating", "sewing", "drawing",
                    "singing in a choir", "doing yoga", "cycling", "rowing", "climbing", "making pottery",
                    "bird watching", "playing the violin", "cooking curry", "learning French", "sailing", "skiing",
                    "surfing", "jogging before work", "doing puzzles", "taking photos", "playing tennis",
                    "woodworking", "horse riding", "writing poems", "playing football", "juggling", "crocheting",
                    "learning to code", "making jam", "ice fishing", "playing the drums", "bowling"), List.of(
                    new Exchange("I love {t}.", List.of("{T} is a lovely way to spend time. How often do you do it?",
                            "How nice! What do you enjoy most about {t}?",
                            "Oh, I like {t} too! Do you do it alone or with friends?")),
                    new Exchange("I started {t} last month.", List.of(
                            "That's great! {T} takes patience, but it is worth it.",
                            "Good for you! Everyone starts slowly with {t}.",
                            "A month of {t} already! How is it going?")),
                    new Exchange("Do you like {t}?", List.of("I think {t} is good for body and mind.",
                            "{T} sounds like a lot of fun. Do you do it often?",
                            "Yes, {t} is a great thing to share with friends.")),
                    new Exchange("I spent the whole afternoon {t}.", List.of(
                            "What a nice way to spend your free time. {T} can keep you busy for hours.",
                            "An afternoon of {t} sounds lovely. Are you tired now?")),
                    new Exchange("I want to get better at {t}.", List.of(
                            "Getting better at {t} takes practice. A little every day helps.",
                            "Find a friend who enjoys {t} too. Learning together is easier.")),
                    new Exchange("My friend got me into {t}.", List.of(
                            "How kind of your friend! Is {t} more fun together?",
                            "{T} with a friend sounds like a good time.")),
                    new Exchange("Is {t} a good hobby?", List.of(
                            "Yes, {t} is a wonderful hobby. It is relaxing and fun.",
                            "I think so. {T} is good for the mind, and it is never too late to start.")),
                    new Exchange("I tried {t} for the first time today.", List.of("How exciting! Did you enjoy {t}?",
                            "The first time is always the hardest. Keep going with {t}!")),
                    new Exchange("Lately I have been {t} a lot.", List.of(
                            "You must enjoy {t} a lot. How long have you been at it?",
                            "{T} is a good way to fill your days.")),
                    new Exchange("Can you give me a tip for {t}?", List.of(
                            "Start slowly with {t} and be patient with yourself.",
                            "For {t}, a little practice every day works better than a lot once a week.")),
                    new Exchange("I'm thinking about {t} this weekend.", List.of(
                            "{T} this weekend sounds like a great plan.",
                            "Go for it! The weekend is a good time for {t}.")),
                    new Exchange("What do you think about {t}?", List.of("I think {t} is a lovely way to relax.",
                            "Many people find {t} relaxing. Have you tried it?")),
                    new Exchange("I'm tired after {t}.", List.of(
                            "{T} can be tiring. Drink some water and rest a little.",
                            "You worked hard! Rest well after {t}.")))),
            new Kind("food", List.of("tomato soup", "apple pie", "fresh bread", "roast chicken", "lemon cake",
                    "porridge", "vegetable curry", "rice pudding", "mushroom risotto", "cherry tart", "lentil stew",
                    "potato salad", "banana bread", "sushi", "bean soup", "fried rice", "carrot cake", "spaghetti",
                    "plum jam", "hot chocolate", "pumpkin soup", "blueberry pie", "falafel", "pea soup",
                    "chicken soup", "fruit salad", "cheese on toast", "chocolate mousse", "beef stew", "pasta salad",
                    "garlic bread", "ginger tea", "paella", "lasagne", "goulash", "apple crumble", "pizza",
                    "couscous"), List.of(
                    new Exchange("I had {t} for dinner.", List.of(
                            "That sounds delicious! Did you make the {t} yourself?",
                            "Yum, {t} for dinner! That is a good choice.")),
                    new Exchange("Do you like {t}?", List.of("Oh yes, {t} is one of my favourites.",
                            "I like {t} very much. Do you?")),
                    new Exchange("I want to learn to make {t}.", List.of(
                            "Making {t} is easier than people think. Start with a simple recipe.",
                            "Good idea! Home-made {t} is the best.")),
                    new Exchange("We made {t} together today.", List.of(
                            "How lovely! Cooking {t} with someone is twice the fun.",
                            "That sounds like a fun day. How did the {t} turn out?")),
                    new Exchange("My grandmother makes the best {t}.", List.of(
                            "Grandmothers often have the best recipes. Ask her how she makes {t}!",
                            "Lucky you! Nothing beats your grandmother's {t}.")),
                    new Exchange("I'm craving {t} right now.", List.of("Mmm, {t}. Now I am hungry too.",
                            "Maybe you can have {t} for dinner tonight!")),
                    new Exchange("Is {t} hard to make?", List.of(
                            "Not really. With a good recipe, {t} is quite easy to make.",
                            "Making {t} takes a little time, but it is not hard.")),
                    new Exchange("I had {t} for lunch today.", List.of(
                            "{T} for lunch sounds great. Was it home-made?", "Yum! Where did you have the {t}?")),
                    new Exchange("Tonight I am cooking {t}.", List.of(
                            "{T} tonight sounds wonderful. Enjoy your dinner!",
                            "Good choice! Is it your own recipe for {t}?")),
                    new Exchange("Nothing beats {t} on a cold day.", List.of("{T} on a cold day is hard to beat.",
                            "True! {T} warms you up from the inside.")))),
            new Kind("place", List.of("the beach", "the library", "the ski resort", "the museum", "the market",
                    "the zoo", "the old castle", "the lake", "the cinema", "the park", "the swimming pool",
                    "the forest", "the harbour", "the botanical garden", "the city centre", "the farm",
                    "the concert hall", "the fair", "the island", "the art gallery", "the aquarium", "the ice rink",
                    "the bakery on the corner", "the river", "the seaside", "the theatre", "the old town",
                    "the town hall", "the bookshop", "the train museum", "the flower show", "the night market",
                    "the waterfall", "the campsite"), List.of(
                    new Exchange("I'm going to {t} tomorrow.", List.of(
                            "{T} sounds like a lovely place. What will you do there?",
                            "Have a great time at {t} tomorrow!")),
                    new Exchange("We spent the day at {t}.", List.of("How fun! What did you like best about {t}?",
                            "A day at {t} sounds lovely. Are you tired now?")),
                    new Exchange("Have you ever been to {t}?", List.of(
                            "No, but I would love to hear about {t}. What is it like?",
                            "I have heard good things about {t}. Is it nice?")),
                    new Exchange("I love visiting {t}.", List.of("There is always something to see at {t}.",
                            "{T} is a great choice for a day out.")),
                    new Exchange("What can I do at {t}?", List.of(
                            "At {t} you can walk around, look at everything and have a snack.",
                            "Take a friend to {t} and explore it slowly.")),
                    new Exchange("I went to {t} with my family.", List.of(
                            "Going to {t} with family makes good memories.", "How lovely! Did everyone enjoy {t}?")),
                    new Exchange("We might go to {t} this weekend.", List.of(
                            "A visit to {t} sounds like a lovely plan.",
                            "Enjoy {t}, and tell me about it afterwards.")),
                    new Exchange("I just came back from {t}.", List.of("Welcome back! How was {t}?",
                            "Did you have a good time at {t}?")),
                    new Exchange("My kids want to go to {t}.", List.of(
                            "Children love a trip to {t}. Take some water and a snack.",
                            "What a good idea! Don't forget your camera at {t}.")))),
            new Kind("animals", List.of("owls", "dolphins", "horses", "rabbits", "bees", "hedgehogs", "penguins",
                    "frogs", "foxes", "ducks", "elephants", "squirrels", "butterflies", "whales", "goats", "parrots",
                    "turtles", "lions", "otters", "deer", "swans", "bats", "koalas", "wolves", "seals", "giraffes",
                    "pigeons", "ladybirds", "crabs", "zebras", "snails", "robins", "kangaroos", "tigers", "sheep",
                    "badgers"), List.of(
                    new Exchange("I love {t}.", List.of(
                            "{T} are wonderful animals. What do you like most about them?",
                            "I like {t} too. They are fascinating to watch.")),
                    new Exchange("Do you like {t}?", List.of("Yes, {t} are amazing animals.",
                            "Oh, {t}! They always make me smile.")),
                    new Exchange("I saw some {t} today.", List.of("How lucky! Seeing {t} up close is special.",
                            "{T}! Did you take a photo?", "Where did you see the {t}?")),
                    new Exchange("My daughter wants to learn about {t}.", List.of(
                            "Learning about {t} is a great idea. A picture book about them could be fun.",
                            "Many children love {t}. A trip to see them could be fun too.")),
                    new Exchange("We watched {t} at the park.", List.of(
                            "Watching {t} is so relaxing. Were there many of them?",
                            "What a nice day! {T} are fun to watch.")),
                    new Exchange("I read a book about {t}.", List.of(
                            "A book about {t} sounds interesting. What did you learn?",
                            "There is so much to know about {t}. Did you enjoy the book?")),
                    new Exchange("There were {t} near our house this morning.", List.of(
                            "{T} near your house! It is best to watch them from a little distance.",
                            "What a surprise! Did the {t} stay long?")),
                    new Exchange("My son is drawing {t}.", List.of(
                            "Drawing {t} is fun. I hope he shows you the picture.",
                            "How sweet! {T} make a lovely picture.")),
                    new Exchange("Are {t} good pets?", List.of(
                            "It is best to ask an expert whether {t} make good pets.",
                            "Most {t} are happiest outside, in a place of their own.")))),
            new Kind("thing", List.of("bike", "camera", "umbrella", "phone", "guitar", "watch", "scarf", "kite",
                    "telescope", "laptop", "garden chair", "coffee machine", "rucksack", "sewing machine",
                    "winter coat", "bookshelf", "skateboard", "alarm clock", "tent", "lamp", "radio", "piano stool",
                    "fishing rod", "record player", "sofa", "backpack", "teapot", "tablet", "wallet", "car",
                    "keyboard", "hat", "lawn mower", "heater", "microwave", "boat"), List.of(
                    new Exchange("I just bought a new {t}.", List.of("A new {t}! I hope you enjoy it.",
                            "Nice! What made you choose this {t}?")),
                    new Exchange("My {t} broke today.", List.of("Oh no! I hope your {t} can be fixed.",
                            "That is annoying. Maybe a repair shop can fix your {t}.")),
                    new Exchange("I love my old {t}.", List.of(
                            "Old things like your {t} often have a story. Take good care of it.",
                            "An old {t} that still works is a treasure.")),
                    new Exchange("I lost my {t} yesterday.", List.of(
                            "I hope you find your {t} soon. Have you checked everywhere?",
                            "Oh dear. Think about where you last had your {t}.")),
                    new Exchange("I'm fixing my {t} this weekend.", List.of(
                            "Fixing your {t} yourself is a good idea. Take it one step at a time.",
                            "Good luck with your {t}! Watch a video first if you can.")),
                    new Exchange("My brother gave me his {t}.", List.of(
                            "That was kind of him. I hope the {t} serves you well.",
                            "How generous! Do you like the {t}?")),
                    new Exchange("Should I buy a new {t}?", List.of(
                            "If your {t} still works, maybe it can wait a little longer.",
                            "A good {t} makes life easier. Compare a few before you buy one.")),
                    new Exchange("My {t} is making a strange noise.", List.of(
                            "A strange noise from your {t} is worth checking soon.",
                            "Maybe your {t} needs a repair. Is it very old?")),
                    new Exchange("I painted my {t} blue.", List.of("A blue {t} sounds lovely!",
                            "What a nice idea. Blue is a happy colour for a {t}.")))),
            new Kind("feeling", List.of("tired", "sad", "worried", "lonely", "stressed", "sleepy", "bored", "nervous",
                    "grumpy", "homesick", "gloomy", "restless", "exhausted", "confused", "overwhelmed", "anxious",
                    "unwell", "cold"), List.of(
                    new Exchange("I feel {t} today.", List.of(
                            "I'm sorry you feel {t}. Would you like to talk about it?",
                            "Feeling {t} is hard. Be kind to yourself today.")),
                    new Exchange("I'm so {t} right now.", List.of("Take a deep breath. Feeling {t} will pass.",
                            "I hear you. Feeling {t} happens to everyone now and then.")),
                    new Exchange("Honestly, I'm feeling {t}.", List.of(
                            "Thank you for telling me you feel {t}. What could make today better?",
                            "I'm here for you. Is something making you feel {t}?")),
                    new Exchange("I have been {t} all week.", List.of(
                            "A whole week of feeling {t} is a lot. Maybe talk to a friend or a doctor.",
                            "That sounds tough. A short walk or some rest can help when you feel {t}.")),
                    new Exchange("Why do I always feel {t} on Mondays?", List.of(
                            "Many people feel {t} on Mondays. A good night's sleep on Sunday can help.",
                            "Mondays can be hard when you feel {t}. Plan something nice for the evening.")),
                    new Exchange("I woke up feeling {t}.", List.of(
                            "Maybe a cup of tea and a slow morning will help if you feel {t}.",
                            "Oh no, feeling {t} first thing in the morning is no fun.")))),
            new Kind("good feeling", List.of("happy", "excited", "proud", "relaxed", "grateful", "cheerful",
                    "hopeful", "calm", "lucky", "full of energy", "peaceful", "curious", "inspired", "rested"), List.of(
                    new Exchange("I feel {t} today.", List.of("I'm glad you feel {t}! What made your day?",
                            "How nice to feel {t}. Enjoy it!")),
                    new Exchange("I'm so {t} right now.", List.of("That is wonderful. Feeling {t} is the best.",
                            "Lovely! Enjoy feeling {t}.")),
                    new Exchange("I woke up feeling {t}.", List.of("What a great way to start the day, feeling {t}!",
                            "Waking up {t} is a gift. Make the most of it.")),
                    new Exchange("Guess what, I'm {t}!", List.of("I'm happy for you. What has made you so {t}?",
                            "That is great news! Tell me why you are {t}.")),
                    new Exchange("I feel so {t} this evening.", List.of("An evening of feeling {t} sounds perfect.",
                            "How lovely to end the day {t}.")),
                    new Exchange("This week I have felt {t}.", List.of(
                            "A whole week of feeling {t}! What has changed?",
                            "It is good to feel {t} for a week. Keep it up!")),
                    new Exchange("It's a sunny day and I feel {t}.", List.of(
                            "Sunshine can make anyone feel {t}. Enjoy the day!",
                            "A sunny day and feeling {t}: what a combination!")))),
            new Kind("event", List.of("job interview", "exam", "concert", "school play", "football match",
                    "birthday party", "wedding", "driving test", "piano recital", "dentist appointment",
                    "science fair", "family dinner", "dance show", "chess tournament", "marathon", "book club",
                    "first day at work", "class trip", "summer festival", "swimming race", "art show", "job fair",
                    "team meeting", "spelling contest", "charity run", "baking contest"), List.of(
                    new Exchange("The {t} is tomorrow and I'm nervous.", List.of(
                            "It is normal to be nervous before the {t}. Take a deep breath.",
                            "Get some rest before the {t}, and you will do fine.")),
                    new Exchange("I'm getting ready for the {t}.", List.of(
                            "Good luck with the {t}! You have prepared well.",
                            "How exciting! Is there anything left to do before the {t}?")),
                    new Exchange("The {t} went really well!", List.of(
                            "Congratulations! You must be happy the {t} went well.",
                            "Well done! What was the best part of the {t}?")),
                    new Exchange("I can't stop thinking about the {t}.", List.of(
                            "The {t} is on your mind a lot. Try to relax a little tonight.",
                            "Is the {t} worrying you, or are you excited?")),
                    new Exchange("Do you have any advice for the {t}?", List.of(
                            "For the {t}, sleep well the night before and arrive early.",
                            "Prepare what you can for the {t}, then trust yourself.")),
                    new Exchange("The {t} is next week.", List.of("A week is enough time to prepare for the {t}.",
                            "How exciting! Tell me how the {t} goes.")),
                    new Exchange("I'm so excited about the {t}.", List.of("I'm sure the {t} will be wonderful.",
                            "Your excitement is lovely! Enjoy every moment of the {t}.")),
                    new Exchange("We just got home from the {t}.", List.of("Welcome home! How was the {t}?",
                            "I hope you enjoyed the {t}. What was the best part?")))),
            new Kind("weather", List.of("rain", "snow", "sunshine", "fog", "wind", "hail", "frost", "thunder", "heat",
                    "drizzle", "mist", "sleet"), List.of(
                    new Exchange("There is so much {t} today.", List.of(
                            "So much {t}! Stay comfortable and take it easy.",
                            "A day with a lot of {t} can change all your plans.")),
                    new Exchange("Do you think there will be {t} tomorrow?", List.of(
                            "I can't say for sure. If there is {t} tomorrow, plan something cosy indoors.",
                            "Maybe! Check the forecast tonight to see if {t} is coming.")),
                    new Exchange("I don't like {t}.", List.of(
                            "Many people don't like {t}. A warm drink and a good book help.",
                            "I understand. {T} can make a day feel long.")),
                    new Exchange("The {t} kept us inside all day.", List.of(
                            "A day inside because of the {t} can be restful too.",
                            "Did you find something fun to do while the {t} kept you in?")),
                    new Exchange("I love walking in the {t}.", List.of(
                            "Walking in the {t} sounds refreshing. Dress well!",
                            "Some people love the {t}, and a walk in it clears the head.")),
                    new Exchange("The forecast says {t} all weekend.", List.of(
                            "A whole weekend of {t}! Maybe plan a film and some baking.",
                            "If the {t} stays all weekend, a board game could save the day.")))),
            new Kind("people", List.of("sister", "brother", "mum", "dad", "best friend", "grandmother", "grandfather",
                    "neighbour", "cousin", "boss", "aunt", "uncle", "teacher", "son", "daughter", "flatmate",
                    "husband", "wife", "colleague", "godmother"), List.of(
                    new Exchange("My {t} is visiting next week.", List.of(
                            "How lovely! What will you and your {t} do together?",
                            "A visit from your {t}! Do you need to get anything ready?")),
                    new Exchange("I had lunch with my {t} today.", List.of(
                            "Lunch with your {t} sounds nice. What did you talk about?",
                            "Spending time with your {t} is precious.")),
                    new Exchange("My {t} is not feeling well.", List.of(
                            "I'm sorry your {t} is unwell. I hope they feel better soon.",
                            "Maybe you can bring your {t} some soup and keep them company.")),
                    new Exchange("I miss my {t}.", List.of(
                            "Missing your {t} is hard. Maybe you can call them tonight.",
                            "It shows how much you care about your {t}. Could you visit soon?")),
                    new Exchange("My {t} just got a new job.", List.of(
                            "Congratulations to your {t}! You must be proud.",
                            "Good news! Tell your {t} I wish them luck.")),
                    new Exchange("I had an argument with my {t}.", List.of(
                            "Arguments happen. Maybe talk to your {t} when you are both calm.",
                            "I'm sorry. A kind word to your {t} could help you make up.")),
                    new Exchange("My {t} has a birthday tomorrow.", List.of(
                            "A birthday! What will you give your {t}?",
                            "How nice! Are you planning a surprise for your {t}?")),
                    new Exchange("I'm cooking dinner for my {t} tonight.", List.of(
                            "Cooking for your {t} is a kind thing to do. What is on the menu?",
                            "Your {t} is lucky! I hope the dinner turns out well.")),
                    new Exchange("My {t} called me this morning.", List.of(
                            "A morning call from your {t} is a nice start to the day.", "How is your {t} doing?")),
                    new Exchange("My {t} taught me to cook.", List.of(
                            "Your {t} gave you a skill for life. What do you like to cook?",
                            "How lovely! Cooking reminds you of your {t}, then.")))),
            new Kind("story", List.of("cat", "dog", "little owl", "brave mouse", "dragon", "robot", "fox", "turtle",
                    "bear", "snowman", "rabbit", "frog", "duck", "kitten", "puppy", "lion", "tiger", "penguin",
                    "giraffe", "hedgehog", "squirrel", "pony"), List.of(
                    new Exchange("Can you tell me a short story about a {t}?", List.of(
                            "Once upon a time, there was a {t} who loved to explore. One day it found a new friend, "
                                    + "and they played until the sun went down.",
                            "Of course. A {t} lived at the edge of a big forest. Every morning it said hello to the "
                                    + "birds, and every evening it came home happy.")),
                    new Exchange("Tell me a story about a {t}, please.", List.of(
                            "There once was a {t} who could not sleep. It counted the stars until it was tired, and "
                                    + "then it slept all night.",
                            "Once there was a {t} who wanted to see the sea. It walked for three days, and when it "
                                    + "saw the waves, it laughed with joy.")),
                    new Exchange("I'd love a bedtime story about a {t}.", List.of(
                            "Here is one. A {t} found a warm blanket in the garden. It curled up, closed its "
                                    + "eyes and dreamed of summer.",
                            "Once upon a time, a sleepy {t} looked for the softest bed in the house. At last it "
                                    + "found one, and it slept until morning.")),
                    new Exchange("Make up a story about a {t}.", List.of(
                            "A {t} found a shiny key in the grass. It opened a tiny door under a tree, and behind it "
                                    + "was a garden full of flowers.",
                            "One rainy day a {t} shared its umbrella with a friend. They walked home together and "
                                    + "were never lonely again.")))));

    private TopicTalk() {
    }

    /** The kinds cut to one part, those with at least one topic and one exchange in it. */
    public static List<Kind> kinds(HeldOut part) {
        return KINDS.stream().map(k -> k.part(part))
                .filter(k -> !k.topics().isEmpty() && !k.exchanges().isEmpty()).toList();
    }

    /** A random pair of the given kinds (one part's, from {@link #kinds}). */
    public static Pair pair(RandomGenerator random, List<Kind> kinds) {
        Kind kind = FactTemplates.pick(random, kinds);
        return about(random, kind, FactTemplates.pick(random, kind.topics()));
    }

    /** A random exchange of {@code kind} about {@code topic}, which need not be one of the kind's topics. */
    public static Pair about(RandomGenerator random, Kind kind, String topic) {
        Exchange exchange = FactTemplates.pick(random, kind.exchanges());
        return new Pair(topic, fill(exchange.message(), topic),
                fill(FactTemplates.pick(random, exchange.replies()), topic));
    }

    /** A frame with its topic filled. */
    public static String fill(String frame, String topic) {
        return frame.replace("{t}", topic)
                .replace("{T}", topic.substring(0, 1).toUpperCase(Locale.ROOT) + topic.substring(1));
    }
}
