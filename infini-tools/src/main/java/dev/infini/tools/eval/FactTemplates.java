package dev.infini.tools.eval;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Free phrasings for telling and asking facts in a chat, and small talk between them: the sentence sets of recall
 * training and of the held-out chat-recall evaluation. Each set is split by {@link HeldOut} on the sentence's text;
 * training draws only from {@link HeldOut#TRAIN}, the evaluation from {@link HeldOut#TEST}. {@code {v}} marks where
 * the value goes.
 */
public final class FactTemplates {

    /** Where a slot's values come from. */
    public enum Values {
        /** first names, or invented syllable words */
        NAME,
        /** city names */
        CITY,
        /** digit strings of 1 to 6 digits */
        NUMBER,
        /** dictionary words, or invented syllable words */
        WORD
    }

    /**
     * A kind of fact: how a user tells it, how they ask for it, and how the answer is phrased.
     *
     * @param name    short name for reports
     * @param values  where its values come from
     */
    public record Slot(String name, Values values, List<String> tell, List<String> ask, List<String> answer) {

        /** This slot with every sentence set cut to one part. */
        public Slot part(HeldOut part) {
            return new Slot(name, values, part.select(tell), part.select(ask), part.select(answer));
        }
    }

    /** The kinds of fact, with all their sentences (both parts). */
    public static final List<Slot> SLOTS = List.of(
            new Slot("name", Values.NAME, List.of(
                    "My name is {v}.", "Hi, I'm {v}!", "Hey there, I'm {v}, nice to meet you!", "Call me {v}.",
                    "You can call me {v}.", "People call me {v}.", "The name's {v}.", "I am {v}, by the way.",
                    "Hello! {v} here.", "My friends call me {v}.", "Just so you know, my name is {v}.",
                    "I'm called {v}.", "Let me introduce myself: I am {v}.", "Hi, this is {v} speaking.",
                    "My first name is {v}.", "Good morning, my name is {v}. Please remember it.",
                    "Nice to meet you, I'm {v}.", "Hello, my name is {v}.", "I go by {v}.", "Everyone calls me {v}.",
                    "Hi there! The name is {v}.", "Oh, and I'm {v}.", "I should say who I am: my name is {v}.",
                    "Hello from me, {v}!", "By the way, the name is {v}.", "Greetings! I'm {v}.",
                    "My parents named me {v}.", "Most people know me as {v}.", "Hey, it's me, {v}.",
                    "I'd like you to call me {v}.", "Before we start, my name is {v}.", "Please call me {v}.",
                    "Hi! I am {v} and I'm new here.", "I'm {v}, just so you know.", "Good evening, I'm {v}.",
                    "First things first: I'm {v}.", "Let me tell you my name. It is {v}.", "I'm your new friend, {v}.",
                    "Hi, my name's {v}.", "They call me {v}.", "It's {v} here, hello!",
                    "I'm {v}, pleased to meet you.", "Allow me to introduce myself, I'm {v}.",
                    "Name's {v}, nice to meet you.", "Hey! I'm {v}. How are you?", "Oh, I forgot to say, I'm {v}.",
                    "So, I'm {v}.", "You can just call me {v}.", "My name? It's {v}.", "Hello there, I'm called {v}.",
                    "I'm {v} and I'm glad to chat with you.", "In case you wonder, my name is {v}.",
                    "Hi again, it's {v}.", "Morning! {v} speaking."),
                    List.of(
                            "What is my name?", "Do you remember what I'm called?", "What did I say my name was?",
                            "Who am I?", "Can you tell me my name?", "What's my name again?", "Do you know my name?",
                            "Remind me, what is my name?", "What do people call me?", "Say my name, please.",
                            "What's my name?", "Do you know who I am?", "How should you call me?",
                            "What am I called?", "Tell me my name.", "Do you still know my name?",
                            "Which name did I give you?", "Who did I say I am?", "Can you remember my name?",
                            "What name did I tell you?", "Have you forgotten my name?",
                            "Remind me of my name, please.", "Who is talking to you?", "Do you recall my name?",
                            "Could you tell me what my name is?", "What was my name again?",
                            "Who am I, do you remember?", "What did I tell you to call me?",
                            "Do you remember who I am?", "What name did I give you earlier?", "So what's my name?",
                            "Can you say my name?", "Who am I again?", "Do you remember my name?",
                            "Quick question: what's my name?", "What was I called again?",
                            "Have you remembered my name?", "Can you recall what I'm called?", "What do you call me?",
                            "Remind me who I am.", "Do you still remember my name?", "Tell me, who am I?",
                            "I wonder if you know my name. Do you?", "What name do I go by?",
                            "Who's talking to you right now?", "And my name is what?", "Did you forget my name?",
                            "What's my first name?"),
                    List.of(
                            "Your name is {v}.", "You are {v}.", "You told me your name is {v}.", "You're {v}.",
                            "You said your name is {v}.", "Of course, you are {v}.", "Your name is {v}, right?",
                            "I remember: you are {v}.", "You are {v}, of course.", "You said you are {v}.",
                            "I know your name: {v}.", "You are called {v}.", "You told me to call you {v}.",
                            "I think you are {v}.", "You introduced yourself as {v}.", "Yes, you are {v}.",
                            "That's easy: you are {v}.", "I remember your name: {v}.",
                            "Your name's {v}.", "Of course I remember, you're {v}.",
                            "You said I should call you {v}.", "Hello again, {v}!", "It's {v}, of course.")),
            new Slot("city", Values.CITY, List.of(
                    "I live in {v}.", "I'm from {v}.", "My home is in {v}.", "I grew up in {v}.",
                    "These days I live in {v}.", "I just moved to {v}.", "My town is {v}.",
                    "I was born in {v} and still live there.", "Home for me is {v}.", "I'm writing from {v}.",
                    "My family lives in {v}.", "We have a house in {v}.", "I'm living in {v} now.",
                    "I come from {v}.", "My hometown is {v}.", "I have lived in {v} for years.",
                    "Right now I'm at home in {v}.", "We live in a small flat in {v}.", "I moved to {v} last year.",
                    "I live near the centre of {v}.", "My address is in {v}.", "I call {v} home.",
                    "I'm a local of {v}.", "Our family home is in {v}.", "I'm based in {v}.",
                    "I spend most of my time in {v}.", "Greetings from {v}, where I live.",
                    "I live just outside {v}.", "I recently settled in {v}.", "My place is in {v}.",
                    "You should know that I live in {v}.", "My home town is {v}.",
                    "I'm a {v} native.", "I've been living in {v} for a while.", "My flat is in {v}.",
                    "I was raised in {v}.", "I reside in {v}.", "Our house is in {v}.",
                    "I'm at home in {v} these days.",
                    "I moved here to {v} a few years ago.", "My current city is {v}.", "We settled in {v}.",
                    "My home address is in {v}.", "I grew up in {v} and never left.", "I've made my home in {v}."),
                    List.of(
                            "Where do I live?", "Which city am I from?", "Do you remember where I live?",
                            "Where is my home?", "What town did I mention?", "Where did I say I live?",
                            "Can you tell me where I'm from?", "Which place is my home?", "Where am I from?",
                            "Do you know where I live?", "What is my home town?", "Which city do I live in?",
                            "Where did I tell you I'm from?", "Can you remember my city?", "Where is my home again?",
                            "Do you recall where I live?", "In which town do I live?", "What's the name of my town?",
                            "Where do I come from?", "Where did I say my home is?", "Tell me where I live.",
                            "Which place did I say I'm from?",
                            "Which town is my home?", "What city do I live in?", "Where's my home?",
                            "Do you know my home town?", "Where do I live again?", "Can you recall my city?",
                            "Which city did I say I live in?", "What place did I say I'm from?",
                            "Remind me where I live.", "Which town did I mention as my home?",
                            "Can you name my home town?", "Do you still know where I live?", "What's my city?",
                            "Where's my home town?", "Which city do I come from?", "Tell me where I'm from.",
                            "Where is it that I live?"),
                    List.of(
                            "You live in {v}.", "You are from {v}.", "Your home is in {v}.", "You said {v}.",
                            "You told me you live in {v}.", "It is {v}.", "You mentioned {v}.",
                            "You live in {v}, you told me.", "Home is {v} for you.", "I believe you live in {v}.",
                            "Your city is {v}.", "You come from {v}.", "Your home town is {v}, you said.",
                            "You live in {v}, right?", "Your hometown is {v}.", "You said you live in {v}.",
                            "You come from {v}, I remember.", "You told me you are from {v}.",
                            "You are living in {v}.", "It's {v}.", "That would be {v}.",
                            "These days you live in {v}.",
                            "You live in {v}, of course.", "You said you're from {v}.")),
            new Slot("pet", Values.NAME, List.of(
                    "My dog is called {v}.", "I have a cat named {v}.", "Our puppy's name is {v}.",
                    "My pet is called {v}.", "My hamster is named {v}.", "We call our dog {v}.",
                    "I have a parrot called {v}.", "My kitten's name is {v}.", "Our horse is named {v}.",
                    "My little rabbit is called {v}.", "The dog's name is {v}.", "My goldfish is called {v}.",
                    "My pony is named {v}.", "I have a dog named {v}.", "My cat's name is {v}.",
                    "I call my turtle {v}.", "Our cat is called {v}.", "My dog's name is {v}.",
                    "We have a rabbit named {v}.", "I own a parrot named {v}.", "My guinea pig is called {v}.",
                    "Our little dog is named {v}.", "I adopted a cat and named her {v}.", "My puppy is called {v}.",
                    "We got a kitten called {v}.", "Our family dog is named {v}.", "I have a pet mouse called {v}.",
                    "My lizard's name is {v}.", "My old cat is called {v}.", "I named my new puppy {v}.",
                    "Our goat is named {v}.", "I walk my dog {v} every morning.", "My budgie is called {v}.",
                    "I have a fluffy cat named {v}.", "Our tortoise is called {v}.", "My ferret is named {v}.",
                    "My dog answers to {v}.", "We have a cat called {v}.", "Meet my dog, {v}.",
                    "My cat is named {v}.", "Our rabbit is called {v}.", "I got a puppy and called him {v}.",
                    "My new kitten is named {v}.", "Our hamster's name is {v}.", "My canary is called {v}.",
                    "I share my flat with a cat called {v}.", "Our dog goes by {v}.", "My pet snake is named {v}.",
                    "We named our kitten {v}.", "I have a little dog called {v}.", "My horse is called {v}."),
                    List.of(
                            "What is my pet called?", "What's the name of my pet?", "Do you remember my pet's name?",
                            "What did I name my pet?", "What is my animal's name?", "Can you tell me my pet's name?",
                            "How is my pet called?", "Which name did my pet have?", "Which name does my pet have?",
                            "What is the name of my animal?", "What was the name of my pet?",
                            "What do I call my pet?", "Remind me of my pet's name.", "What's my pet's name?",
                            "Do you remember what my pet is called?", "What did I call my pet?",
                            "Which name did I give my pet?", "What's the name of my animal?",
                            "Tell me my pet's name.", "Can you remember my pet's name?",
                            "Do you know what my pet is called?", "How did I name my pet?",
                            "What is the name of my pet again?", "Do you recall my pet's name?", "Who is my pet?",
                            "What name does my animal have?", "What is my little pet called?",
                            "What is my pet's name again?", "What did I call my animal?", "What's my pet called?",
                            "How do I call my pet?", "Remember my pet? What's its name?",
                            "What name did I give my pet?", "Do you know my pet's name?",
                            "My pet's name, do you remember it?", "What was my pet's name?",
                            "Could you tell me what my pet is called?", "What's the name of my little pet?",
                            "Which name did I choose for my pet?", "Tell me what my pet is called.",
                            "Can you recall my pet's name?", "What did I say my pet's name was?",
                            "Do you still know my pet's name?", "What is my animal called?"),
                    List.of(
                            "Your pet is called {v}.", "Its name is {v}.", "Your pet's name is {v}.",
                            "You named it {v}.", "It is called {v}.", "You told me it is {v}.", "The name is {v}.",
                            "You named your pet {v}.", "The name of your pet is {v}.", "Your pet is named {v}.",
                            "It's {v}.", "Your pet is {v}.", "You named your pet {v}, I remember.",
                            "Your pet is called {v}, right?", "Your animal is called {v}.", "It's called {v}.",
                            "The pet's name is {v}.", "You call it {v}.", "You told me its name is {v}.",
                            "Your pet goes by {v}.", "I remember it: {v}.",
                            "Your pet's called {v}.", "You named your animal {v}.", "It goes by {v}.",
                            "I remember your pet, {v}.")),
            new Slot("number", Values.NUMBER, List.of(
                    "My lucky number is {v}.", "My favourite number is {v}.", "My room number is {v}.",
                    "The code for my locker is {v}.", "My house number is {v}.", "Remember this number: {v}.",
                    "My ticket number is {v}.", "My order number is {v}.", "The number I picked is {v}.",
                    "Please note my number, {v}.", "My badge number is {v}.", "Our table is number {v}.",
                    "My phone number ends in {v}.", "My PIN is {v}.", "The code is {v}.", "My flat number is {v}.",
                    "My seat number is {v}.", "My bus number is {v}.", "My membership number is {v}.",
                    "Please remember the number {v}.", "My favourite number has always been {v}.",
                    "My car park space is {v}.", "The number on my door is {v}.", "My customer number is {v}.",
                    "Write this down: {v}.", "My shirt number is {v}.", "The number you need is {v}.",
                    "My gate number is {v}.", "Here is my number: {v}.", "Keep this number for me: {v}.",
                    "My parcel number is {v}.", "The lucky number I chose is {v}.",
                    "My number is {v}.", "The number to remember is {v}.", "Note this number: {v}.",
                    "My lucky number has always been {v}.", "My room is number {v}.", "My locker code is {v}.",
                    "My account number is {v}.", "My apartment is number {v}.", "The code to my bike lock is {v}.",
                    "My train seat is {v}.", "My booking number is {v}.", "Could you keep the number {v} for me?"),
                    List.of(
                            "What is my number?", "Which number did I tell you?", "Do you remember my number?",
                            "What was the number I gave you?", "Can you repeat my number?",
                            "What number did I mention?", "Tell me my number again.", "What's the number I said?",
                            "What number did I give you?", "What was my number again?", "Remind me of my number.",
                            "Which number did I give you?", "Do you still have my number?", "What was that number?",
                            "Can you tell me my number?", "Remember my number? What is it?", "What number did I say?",
                            "Which number was it?", "Could you repeat the number I told you?",
                            "What number did I ask you to keep?", "Do you recall my number?",
                            "Tell me the number, please.", "What is the number I mentioned?",
                            "Have you kept my number?", "Which number did I mention earlier?",
                            "Which number did I tell you to remember?", "What's my number?", "Do you know my number?",
                            "What number was it?", "Could you tell me the number again?",
                            "What number did I ask you to remember?", "Which number did I say?",
                            "Do you remember the number I gave you?", "What was the number?",
                            "Tell me my number, please.", "Can you recall my number?", "What's that number again?",
                            "Which number did I ask you to keep?", "Do you still know my number?",
                            "Read me my number, please.", "What number did I want you to keep?"),
                    List.of(
                            "Your number is {v}.", "It is {v}.", "The number is {v}.", "You told me {v}.",
                            "You said {v}.", "It was {v}.", "Your number was {v}.", "Your number? {v}.",
                            "The number was {v}.", "You gave me {v}.", "That was {v}.",
                            "The number was {v}, I remember.", "You told me the number {v}.",
                            "Your number is {v}, right?", "It's {v}.", "You gave me the number {v}.",
                            "I have it: {v}.", "The number you told me is {v}.", "You said it was {v}.",
                            "Your number is {v}, I remember.", "The number you gave was {v}.",
                            "The number's {v}.", "You gave me {v}, I remember.", "You told me to keep {v}.",
                            "I have your number: {v}.")),
            new Slot("word", Values.WORD, List.of(
                    "The secret word is {v}.", "My password is {v}.", "Remember the word {v}.",
                    "Our code word is {v}.", "My favourite word is {v}.", "The magic word is {v}.",
                    "Keep this word in mind: {v}.", "The word of the day is {v}.", "My nickname is {v}.",
                    "The answer to the riddle is {v}.", "The name of my boat is {v}.", "My band is called {v}.",
                    "The secret password is {v}.", "Please remember the word {v}.", "Here is a word for you: {v}.",
                    "My secret word is {v}.", "The key word is {v}.", "Don't forget the word {v}.",
                    "The password is {v}.", "Our secret word is {v}.", "Remember this word: {v}.",
                    "The code word is {v}.", "My favourite word is {v}, I think.", "The special word is {v}.",
                    "The hidden word is {v}.", "Write down the word {v}.", "Today's word is {v}.",
                    "The word you need is {v}.", "I chose the word {v}.", "My club is called {v}.",
                    "My boat is called {v}.", "The title of my song is {v}.", "The word for the game is {v}.",
                    "Keep the word {v} for me.", "Our team is called {v}.", "My shop is called {v}.",
                    "The name of my cafe is {v}.", "My username is {v}.",
                    "The word to remember is {v}.", "My secret code word is {v}.", "Our password is {v}.",
                    "Please keep the word {v}.", "The magic password is {v}.", "Here is the word: {v}.",
                    "My login name is {v}.", "Our word for today is {v}.", "The name of my blog is {v}.",
                    "Our book club is called {v}."),
                    List.of(
                            "What is the secret word?", "Which word did I tell you?", "Do you remember the word?",
                            "What was the word I gave you?", "Can you repeat the word?", "What word did I mention?",
                            "Tell me the word again.", "What's the word I said?", "Which word did I give you?",
                            "What was the secret word?", "Do you still know the word?", "Can you tell me the word?",
                            "What was that word again?", "Which word did I ask you to remember?",
                            "Do you recall the word?", "Remind me of the word, please.", "What word did I say?",
                            "Tell me the word I gave you.", "What is the word?", "Which word was it?",
                            "What's the password?", "Could you repeat the word I told you?",
                            "What's the secret word?", "Do you remember the password?", "What was the password?",
                            "What's the word again?", "Which word did I say?", "Can you recall the word?",
                            "What word did I ask you to remember?", "Tell me the secret word.",
                            "Do you remember the word I gave you?", "What's the code word?",
                            "Which word should you remember?", "Say the word I told you.",
                            "Which word did I mention?", "What was the word I told you?",
                            "Could you tell me the word again?", "Do you still have the word?"),
                    List.of(
                            "The word is {v}.", "It is {v}.", "You told me {v}.", "You said {v}.",
                            "The word was {v}.", "It was {v}.", "Your word is {v}.", "Your word was {v}.",
                            "It's the word {v}.", "You gave me the word {v}.", "That word is {v}.",
                            "The word is {v}, I remember.", "You told me the word {v}.", "It's {v}.",
                            "The word you gave me is {v}.", "You said the word {v}.", "I remember the word {v}.",
                            "Your word was {v}, right?", "The secret word is {v}.", "You asked me to remember {v}.",
                            "The word you gave was {v}.",
                            "The word's {v}.", "You told me to remember {v}.", "Your word is {v}, I remember.")),
            new Slot("friend", Values.NAME, List.of(
                    "My best friend is called {v}.", "My best friend's name is {v}.",
                    "I'm meeting my best friend {v} tonight.", "My best friend is {v}.",
                    "I have known my best friend {v} since school.", "My closest friend is {v}.",
                    "I went shopping with my best friend, {v}.", "My best friend, {v}, is visiting.",
                    "The name of my best friend is {v}.", "I'll have lunch with my best friend {v} tomorrow.",
                    "My best friend goes by {v}.", "Let me tell you about my best friend, {v}.",
                    "I miss my best friend {v}.", "My best mate is called {v}.", "My oldest friend is {v}.",
                    "I'm writing a letter to my best friend {v}.", "My best friend is named {v}.",
                    "I talked to my best friend {v} today.", "Our friend {v} is my best friend.",
                    "I call my best friend {v}.", "My best friend's called {v}.", "Honestly, {v} is my best friend.",
                    "My best friend in the world is {v}.", "My dearest friend is {v}.",
                    "I've got a best friend called {v}.", "Me and my best friend {v} go way back.",
                    "My best friend {v} lives next door.", "I spent the day with my best friend {v}.",
                    "My best buddy is {v}.", "I just phoned my best friend {v}.",
                    "My best friend, whose name is {v}, is funny."),
                    List.of(
                            "Who is my best friend?", "What's my best friend's name?",
                            "Do you remember my best friend's name?", "What is my best friend called?",
                            "Who did I say is my best friend?", "What is the name of my best friend?",
                            "Can you tell me who my best friend is?", "Do you recall my best friend?",
                            "Which friend did I mention?", "Who is my closest friend?",
                            "Tell me my best friend's name.", "What was my best friend's name again?",
                            "Do you know who my best friend is?", "Remind me, who is my best friend?",
                            "Who's my best friend?", "What's the name of my best friend?",
                            "Do you know my best friend's name?", "Who did I say my closest friend is?",
                            "What did I say my best friend is called?", "Can you recall my best friend's name?",
                            "Who is my best buddy?", "Which friend is my best friend?",
                            "Remind me of my best friend's name.", "Who's my closest friend?",
                            "Do you remember who my best friend is?", "My best friend, what was the name?"),
                    List.of(
                            "Your best friend is {v}.", "Your best friend is called {v}.", "It's {v}.",
                            "You said your best friend is {v}.", "Your best friend's name is {v}.", "That's {v}.",
                            "You told me about {v}.", "Your closest friend is {v}.",
                            "I remember: your best friend is {v}.", "You mentioned your best friend {v}.",
                            "Your friend {v}.", "Your best friend is named {v}.", "Your best friend is {v}, right?",
                            "Your friend's name is {v}.", "Your best mate is {v}.",
                            "Your best friend's name is {v}, right?", "Your best buddy is {v}.",
                            "It's your friend {v}.", "You said {v} is your best friend.")),
            new Slot("trip", Values.CITY, List.of(
                    "Next week I'm flying to {v}.", "I'm going on holiday to {v}.", "We are planning a trip to {v}.",
                    "I'll be travelling to {v} in June.", "My next trip is to {v}.", "I booked a ticket to {v}.",
                    "This summer we're going to {v}.", "I'm visiting {v} next month.",
                    "My holiday this year is in {v}.", "I have a work trip to {v} soon.",
                    "Tomorrow I take the train to {v}.", "We'll spend the winter in {v}.",
                    "I'm packing for my trip to {v}.", "My flight goes to {v}.", "I finally get to visit {v} in May.",
                    "Our school trip is to {v}.", "My dream holiday starts soon, in {v}.",
                    "I'm off to {v} on Friday.", "We are driving to {v} this weekend.",
                    "I'll spend my birthday in {v}.", "We fly out to {v} on Monday.", "We plan to visit {v} in July.",
                    "I'm going away to {v} for two weeks.",
                    "I'm travelling to {v} next week.", "Soon I'll be in {v}.", "I'm taking a trip to {v}.",
                    "We're heading to {v} for the holidays.", "My next holiday is in {v}.",
                    "I'm going to {v} on a business trip.", "We leave for {v} on Sunday.",
                    "I've booked a holiday in {v}.", "I'll be in {v} next month.", "My family is taking me to {v}.",
                    "My summer trip is to {v}.", "I'm flying out to {v} tomorrow."),
                    List.of(
                            "Where am I travelling to?", "Where is my next trip?", "Which city am I flying to?",
                            "Do you remember where I'm going on holiday?", "Where did I say I'm going?",
                            "Where is my holiday?", "Which place am I visiting?", "Where am I going next?",
                            "Do you know where my trip is to?", "Where did I book a ticket to?",
                            "Can you remind me where I'm travelling?", "What city is my trip to?",
                            "Where am I off to?", "Do you recall where I'm going?", "Where am I heading?",
                            "Where did I say my trip is?",
                            "Where am I going?", "Where is my trip to?", "Which place am I travelling to?",
                            "Where did I say I'm travelling?", "What's my destination?", "Where is my next holiday?",
                            "Can you remember where I'm going?", "Where am I flying?",
                            "Which city did I say I'm visiting?", "Do you remember my trip?", "Where's my trip?",
                            "Where am I going on my trip?"),
                    List.of(
                            "You are travelling to {v}.", "Your next trip is to {v}.", "You are flying to {v}.",
                            "You are going to {v}.", "You said your trip is to {v}.", "Your holiday is in {v}.",
                            "You are visiting {v}.", "It's {v}.", "You told me about your trip to {v}.",
                            "You are off to {v}.", "Your trip is to {v}.", "You'll be in {v}.",
                            "I remember, it's {v}.", "Your trip goes to {v}.", "You're going to {v}, right?",
                            "You're off to {v}.", "Your trip is to {v}, right?")));

    /** Replies to a fact being told; they do not repeat the value. */
    public static final List<String> ACKNOWLEDGEMENTS = List.of(
            "Got it, I'll remember that.", "Thanks for telling me.", "Noted!", "Okay, I will keep that in mind.",
            "Good to know.", "Sure, I have made a note of it.", "Thank you, that is nice to know.",
            "I will remember that.", "All right.", "Understood.", "Nice! Tell me more.", "How lovely.",
            "I see. Thanks!", "Okay!", "That is good to hear.", "Wonderful, thank you.", "Thanks, good to know.",
            "Great, thank you!", "Perfect, I've got it.", "Okay, I have written that down.",
            "Lovely, thanks for sharing.", "Alright, noted.", "I'll keep that in mind.", "Sure thing.",
            "Thanks, I'll remember it.", "Okay, got it.", "I'll make a note of that.",
            "Good, thank you for telling me.", "Thanks! I've noted it.", "Right, I'll keep it in mind.",
            "Okay, thanks for letting me know.", "Thank you, noted.", "That's nice, thanks.", "Sure, I've got that.",
            "I'll remember it, don't worry.", "Okay, I'll keep it safe.", "Thanks for sharing that with me.",
            "Good, I'll remember.", "Understood, thank you.", "Fine, it's noted.", "Lovely! I'll remember that.",
            "Cool, thanks!", "Okay, that's noted.", "Ah, nice. I'll keep that in mind.",
            "Thanks, that's good to know.", "Great, I'll remember it.", "Good to hear, thanks.", "Oh, how nice!",
            "Okay, I'm keeping that in mind.", "Noted, thank you!", "Thanks, I won't forget.", "Sounds good, noted.");

    /**
     * Acknowledgements that repeat the value just told ("Okay, Lucy. Noted!"), for any slot: a reply that takes up
     * what the user said, and a copy of the value while it is still in the segment.
     */
    public static final List<String> ECHOES = List.of(
            "{v}, got it. I'll remember that.", "Okay, {v}. Noted!", "{v}? Good to know.", "Thanks! I'll remember {v}.",
            "Noted: {v}.", "{v}, how lovely. I'll keep it in mind.", "Got it: {v}.", "I've written down {v}.",
            "Okay, {v} it is.", "{v}. I won't forget that.", "Sure, {v}. Thanks for telling me.",
            "All right, {v}. Noted.", "Thanks, {v} is noted.", "{v}: I'll keep that in mind.",
            "Great, I will remember {v}!", "Understood: {v}.", "I'll remember that: {v}.", "Lovely, {v}. Thank you!",
            "Okay, I have {v} written down.", "So it's {v}. Good to know!", "{v}! Thanks for sharing that.",
            "I'm making a note of {v}.", "Right, {v}. I've got it.", "{v}, noted. Thank you.",
            "Good, {v}. I'll keep it safe.", "Okay! {v}, I'll remember.", "Thanks, I've noted {v}.",
            "Ah, {v}. Nice!", "Perfect: {v}. Got it.", "{v} it is. Thanks!", "Noted, {v}. Tell me more.",
            "I will remember {v}, don't worry.");

    /** A small-talk turn: a message and a reply about it. */
    public record SmallTalk(String message, String reply) {
    }

    /**
     * Small talk on many topics; split on the message. Its test part is filler of the held-out chat-recall evaluation;
     * recall training does not draw it (its few dozen replies crowded out replies to other messages).
     */
    public static final List<SmallTalk> SMALL_TALK = List.of(
            new SmallTalk("How are you today?", "I'm doing well, thank you. How about you?"),
            new SmallTalk("What a rainy day it is.", "Rain can be cozy. A warm drink and a good book help."),
            new SmallTalk("Can you recommend a good book?", "Many people enjoy a classic adventure story. "
                    + "What kind of books do you like?"),
            new SmallTalk("I had pasta for lunch.", "Pasta is a fine choice. Did you make it yourself?"),
            new SmallTalk("Do you like music?", "I enjoy talking about music. Which songs do you like?"),
            new SmallTalk("I'm going for a walk later.", "A walk is a good idea. Fresh air clears the head."),
            new SmallTalk("What should I cook tonight?", "A simple soup with bread is quick and warm."),
            new SmallTalk("I watched a movie yesterday.", "Nice! Was it funny or exciting?"),
            new SmallTalk("It is very hot outside.", "Stay in the shade and drink plenty of water."),
            new SmallTalk("Tell me a joke.", "Why did the scarecrow win a prize? Because he was outstanding in his "
                    + "field."),
            new SmallTalk("I'm tired after work.", "Long days are hard. Try to rest a little this evening."),
            new SmallTalk("Any tips for sleeping better?", "Go to bed at the same time and keep the room dark."),
            new SmallTalk("I started learning the guitar.", "That is great! A few minutes of practice each day "
                    + "adds up."),
            new SmallTalk("What is your favourite season?", "Many people love autumn, with its colours and cool "
                    + "air."),
            new SmallTalk("My train was late again.", "That is annoying. I hope the rest of your day goes better."),
            new SmallTalk("I want to plant a garden.", "Start with a few easy plants like herbs or tomatoes."),
            new SmallTalk("How do I make good coffee?", "Use fresh beans, clean water and the right grind."),
            new SmallTalk("I'm planning a trip.", "How exciting! Where would you like to go?"),
            new SmallTalk("The weekend went by too fast.", "Weekends always do. Did you do anything fun?"),
            new SmallTalk("I need to clean my flat.", "Put on some music and do one room at a time."),
            new SmallTalk("What do you think about painting?", "Painting is a calm way to spend an afternoon."),
            new SmallTalk("My friend is visiting tomorrow.", "That sounds lovely. Do you have plans together?"),
            new SmallTalk("I can't decide what to wear.", "Something comfortable is usually the right choice."),
            new SmallTalk("Is it good to drink tea at night?", "Herbal tea without caffeine is fine in the "
                    + "evening."),
            new SmallTalk("I read an article about space.", "Space is fascinating. What was it about?"),
            new SmallTalk("My phone battery died.", "That happens. Charging it overnight usually helps."),
            new SmallTalk("I love the sea.", "The sea is wonderful. The sound of the waves is so calming."),
            new SmallTalk("What games do you like?", "Board games with friends are a lot of fun."),
            new SmallTalk("I baked a cake today.", "Yum! What kind of cake was it?"),
            new SmallTalk("Do you know any good exercises?", "Walking, stretching and a few squats are a good "
                    + "start."),
            new SmallTalk("The news was sad today.", "I'm sorry. It can help to talk about it with someone."),
            new SmallTalk("I finished a big project.", "Congratulations! You should be proud of yourself."),
            new SmallTalk("My neighbour is very loud.", "Maybe a friendly talk with them could help."),
            new SmallTalk("What is a good gift for a child?", "Books, puzzles and crayons are always welcome."),
            new SmallTalk("I feel a bit lonely.", "I'm here to talk. Maybe call a friend later too."),
            new SmallTalk("Snow is falling outside.", "How pretty! Stay warm if you go out."),
            new SmallTalk("How can I learn a new language?", "A little every day works best, with songs and "
                    + "simple books."),
            new SmallTalk("I went to the market this morning.", "Did you find anything nice there?"),
            new SmallTalk("Trains or planes?", "Trains are relaxing; planes are fast. It depends on the trip."),
            new SmallTalk("What are you doing this weekend?", "I'm always here to chat. What are your plans?"),
            new SmallTalk("My coffee is cold.", "Cold coffee is sad. Maybe warm it up or make a fresh cup."),
            new SmallTalk("I love cats.", "Cats are wonderful. They are calm, funny and very curious."),
            new SmallTalk("My sister got married.", "Congratulations to her! Was it a big wedding?"),
            new SmallTalk("Do you like football?", "Football is exciting to watch. Do you have a favourite team?"),
            new SmallTalk("I just woke up.", "Good morning! A glass of water and some breakfast will help."),
            new SmallTalk("I'm learning to cook.", "That is a useful skill. Start with simple dishes like eggs "
                    + "and rice."),
            new SmallTalk("The bus was full today.", "Crowded buses are tiring. I hope you found a seat."),
            new SmallTalk("I'm reading a mystery novel.", "Mysteries are fun. Do you have a guess who did it?"),
            new SmallTalk("I bought new shoes.", "Nice! Are they comfortable for walking?"),
            new SmallTalk("Why is the sky blue?", "Air scatters blue light more than red light, so the sky looks "
                    + "blue."));

    private FactTemplates() {
    }

    /** The slots with each sentence set cut to one part. */
    public static List<Slot> slots(HeldOut part) {
        return SLOTS.stream().map(s -> s.part(part)).toList();
    }

    /** The acknowledgements of one part. */
    public static List<String> acknowledgements(HeldOut part) {
        return part.select(ACKNOWLEDGEMENTS);
    }

    /** The echoing acknowledgements of one part ({@link #ECHOES}). */
    public static List<String> echoes(HeldOut part) {
        return part.select(ECHOES);
    }

    /** The small talk of one part (split on the message). */
    public static List<SmallTalk> smallTalk(HeldOut part) {
        return SMALL_TALK.stream().filter(t -> part.holds(t.message())).toList();
    }

    /** A sentence with its {@code {v}} filled. */
    public static String fill(String template, String value) {
        return template.replace("{v}", value);
    }

    /** A random element. */
    public static <T> T pick(RandomGenerator random, List<T> items) {
        return items.get(random.nextInt(items.size()));
    }
}
