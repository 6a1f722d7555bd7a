#!/usr/bin/env python3
"""Generate corpusforge's own sample corpus: a few hundred small web pages and plain-text documents.

Everything this script writes was composed for this project: the texts come from the hand-written
paragraph templates below, combined deterministically by one seeded `random.Random(20261127)`. No
third-party text is copied or paraphrased.

    python samples/make_sample.py            # writes next to this script (samples/)
    python samples/make_sample.py OUT_DIR    # writes into OUT_DIR instead

Output (byte-identical on every run, on the same Python and zlib):

    web/crawl-00.warc.gz      WARC/1.1, one gzip member per record: warcinfo, request/response pairs,
    web/crawl-01.warc.gz      metadata and revisit records; crawl-02 ends with one truncated record
    web/crawl-02.warc.gz
    jsonl/docs-00.jsonl       {"id", "text", "url", "date"} per line, with three hostile lines
    jsonl/docs-01.jsonl.gz    the same format, gzip-compressed, clean
    cases.json                what every page / line is (its planted case, language, expected fate);
                              the pipeline never reads it

Planted cases, their counts and the expected outcome of each are listed in samples/README.md.
Dependencies: the standard library only (gzip members and WARC records are written by hand, so that the
bytes are fixed: gzip mtime=0, fixed WARC-Date values, WARC-Record-IDs from uuid5).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import email.utils
import hashlib
import html
import json
import random
import re
import struct
import sys
import unicodedata
import uuid
import zlib
from pathlib import Path
from typing import Any

SEED = 20261127
BASE_DATE = _dt.datetime(2026, 11, 20, 8, 0, 0, tzinfo=_dt.timezone.utc)
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://corpusforge.example/samples")
# Languages the sample recipe keeps; pages in any other language are planted `other_language` cases.
KEPT_LANGS = ("en", "ja", "zh", "de", "fr", "es")
OTHER_LANGS = ("it", "pt", "nl", "ru")
BLOCKED_DOMAIN = "blocked-demo.example"
# Near duplicates are made to land in this band of `similarity()` to their original.
NEAR_DUP_RANGE = (0.80, 0.95)


# ---------------------------------------------------------------------------------------------------
# Text templates
#
# A genre is a list of sections; each section is (how many sentences to pick, pool of sentences). A
# document picks that many sentences from each pool (kept in pool order, so the text reads in order)
# and fills the {slots} with one value per slot per document. One section becomes one paragraph.
# ---------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Genre:
    name: str
    titles: list[str]
    sections: list[tuple[int, list[str]]]
    slots: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # Each "topic" is a dict of slot values (and optional extra section pools) used together.
    topics: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    joiner: str = " "


EN_TRAVEL = Genre(
    name="travel",
    titles=[
        "A slow week in {city}",
        "Notes from {n_days} days in {city}",
        "What we loved, and what we skipped, in {city}",
        "Walking {city} in {month}",
        "{city} on a modest budget: a short travel diary",
        "First time in {city}? Some honest notes",
    ],
    slots={
        "city": ["Lisbon", "Porto", "Edinburgh", "Valencia", "Ljubljana", "Tallinn", "Bergen", "Galway",
                 "Krakow", "Seville", "Bruges", "Ghent", "Bologna", "Lyon", "Gdansk", "Riga", "Cork", "Bilbao"],
        "daytrip": ["a small hill town", "a fishing village up the coast", "a lakeside town", "an old mining town",
                    "a wine village in the valley", "a market town with a ruined castle"],
        "month": ["March", "April", "May", "June", "September", "October", "November"],
        "season": ["spring", "autumn", "late summer", "early winter"],
        "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "n_days": ["three", "four", "five", "six"],
        "transport": ["train", "bus", "flight"],
        "dish": ["fish soup", "bean stew with smoked sausage", "potato dumplings with brown butter",
                 "grilled vegetables with flatbread", "almond tart", "slow-cooked pork with cabbage",
                 "mushroom pie", "rice with clams"],
        "price": ["sixty euros", "seventy euros", "fifty-five euros", "eighty euros"],
        "closing_day": ["Mondays", "Tuesdays"],
    },
    sections=[
        (2, [
            "We arrived in {city} on a grey {weekday} morning in {month}, tired from the overnight {transport} and not entirely sure where our guesthouse was.",
            "I had wanted to visit {city} for years, and this {season} I finally booked {n_days} days there with no fixed plan.",
            "This is a short account of {n_days} days in {city}, written mostly for friends who keep asking whether the trip is worth it.",
            "{city} is the kind of place that rewards slow walking, so that is what we did for most of our stay.",
            "My sister and I spent {n_days} days in {city} in early {month}, and the weather was kinder than the forecast had promised.",
            "Before the trip, everyone told us that the best views of {city} are from the water, but we ended up loving the back streets more.",
            "We went to {city} without a guidebook this time, relying on a paper map and the advice of the people we met.",
        ]),
        (3, [
            "The old town is compact enough to cross on foot in half an hour, although you will rarely want to hurry.",
            "We bought a transit pass on the first morning, and it had paid for itself by the second afternoon.",
            "Most of the museums close on {closing_day}, so plan your walking days around that.",
            "Our guesthouse was a narrow building above a bakery, and the smell of fresh bread woke us every morning at six.",
            "Buses run every ten minutes during the day, but after eleven at night you will need a taxi or good shoes.",
            "The first thing you notice is how quiet the side streets are once you step away from the main square.",
            "The people we asked for directions were patient with our poor pronunciation and often walked part of the way with us.",
            "We never once needed a car, and I would not want to drive in the narrow lanes of the centre anyway.",
        ]),
        (3, [
            "The best meal of the trip was a plate of {dish} at a family-run place near the market, and it cost less than a sandwich at the airport.",
            "Breakfast was usually coffee and a pastry standing at a counter, which is how the locals seem to do it.",
            "If you see a queue outside a small shop in the late afternoon, join it; we found two excellent bakeries that way.",
            "We tried {dish} three times in three different places and still could not agree on which version was best.",
            "Dinner starts late here, and many kitchens do not open before half past seven.",
            "The covered market is worth a morning even if you are not buying anything, just to watch the fish counters at work.",
            "Tap water is safe to drink, so bring a bottle and refill it at the public fountains.",
            "On our last evening we shared a bottle of local wine and a plate of {dish} on a terrace that looked over the rooftops.",
        ]),
        (3, [
            "We climbed to the viewpoint above the old town at sunset, and it was crowded but worth every step.",
            "The cathedral is free before ten in the morning, and you will have most of it to yourself.",
            "A short train ride took us to {daytrip}, where we spent a lazy afternoon and found a surprisingly good bookshop.",
            "The city museum has an excellent room on the history of the place, with old maps and a scale model of the centre.",
            "On the second day it rained without a break, so we spent the afternoon in a long, slow café and did not regret it.",
            "We rented bicycles for a day and followed the river path until the houses gave way to fields.",
            "The botanical garden is small, but the glasshouse is lovely on a cold day.",
            "There is a free walking tour every morning at ten, and our guide was a retired teacher with a story for every corner.",
        ]),
        (2, [
            "If I went back, I would stay one more night and skip the boat tour, which was pleasant but forgettable.",
            "Bring comfortable shoes, a light rain jacket and a little cash, since some small cafés still do not take cards.",
            "Overall, {city} was calmer, cheaper and friendlier than we expected, and we are already talking about returning.",
            "Prices were moderate, and a good dinner for two with wine came to about {price}.",
            "Book the first night in advance, but leave the rest open; it is easy to find rooms outside the busiest weeks of summer.",
            "We left with sore feet, a bag of local sweets and a long list of places we did not have time to see.",
        ]),
    ],
)

EN_RECIPE = Genre(
    name="recipe",
    titles=[
        "{Dish} for a weeknight",
        "My family's {dish}",
        "Easy {dish} in one pot",
        "{Dish}, the way I make it every winter",
        "A simple {dish} that feeds a crowd",
    ],
    topics=[
        {"dish": "red lentil soup with lemon", "veg_qty": "two carrots", "main": "red lentils", "veg": "carrots", "herb": "parsley", "time": "about forty minutes", "serves": "four"},
        {"dish": "chickpea and spinach stew", "veg_qty": "a large bag of spinach", "main": "chickpeas", "veg": "spinach", "herb": "coriander", "time": "about thirty-five minutes", "serves": "four"},
        {"dish": "chicken and barley soup", "veg_qty": "two sticks of celery", "main": "chicken thighs", "veg": "celery", "herb": "thyme", "time": "about fifty minutes", "serves": "six"},
        {"dish": "tomato and white bean soup", "veg_qty": "four ripe tomatoes", "main": "white beans", "veg": "tomatoes", "herb": "basil", "time": "about half an hour", "serves": "four"},
        {"dish": "mushroom and potato goulash", "veg_qty": "three potatoes", "main": "mushrooms", "veg": "potatoes", "herb": "dill", "time": "about three quarters of an hour", "serves": "four"},
        {"dish": "pumpkin curry with peas", "veg_qty": "a cup of peas", "main": "pumpkin", "veg": "peas", "herb": "coriander", "time": "about forty minutes", "serves": "four"},
        {"dish": "beef and carrot stew", "veg_qty": "four carrots", "main": "stewing beef", "veg": "carrots", "herb": "rosemary", "time": "a little over two hours", "serves": "six"},
        {"dish": "leek and potato soup", "veg_qty": "three potatoes", "main": "leeks", "veg": "potatoes", "herb": "chives", "time": "about thirty-five minutes", "serves": "four"},
        {"dish": "black bean chili", "veg_qty": "two peppers", "main": "black beans", "veg": "peppers", "herb": "oregano", "time": "about three quarters of an hour", "serves": "six"},
        {"dish": "fish and fennel stew", "veg_qty": "a bulb of fennel", "main": "white fish", "veg": "fennel", "herb": "parsley", "time": "about half an hour", "serves": "four"},
    ],
    sections=[
        (2, [
            "This {dish} is what I cook when the fridge looks empty and everyone is hungry.",
            "My grandmother made a version of this {dish} every Sunday, and I have only changed it a little.",
            "It takes {time} from start to finish, and most of that time the pot looks after itself.",
            "You do not need any special equipment, just a heavy pot with a lid and a wooden spoon.",
            "The recipe below serves {serves}, and the leftovers are even better the next day.",
            "I have made this {dish} for friends more times than I can count, and someone always asks for the recipe.",
            "It is a forgiving dish, so do not worry if you are missing one or two of the ingredients.",
        ]),
        (1, [
            "For {serves} people you will need about five hundred grams of {main}, a large onion, two cloves of garlic, {veg_qty}, a handful of {herb}, olive oil, salt and pepper.",
            "Gather the {main}, an onion, garlic, some {veg}, fresh {herb} and a litre of stock before you start, because things move quickly once the pan is hot.",
            "The ingredients are simple: {main}, {veg}, one onion, garlic, stock, a little olive oil and some {herb} to finish.",
        ]),
        (5, [
            "Warm two tablespoons of olive oil in a heavy pot over medium heat and add the chopped onion with a pinch of salt.",
            "Cook the onion gently for eight to ten minutes, stirring now and then, until it is soft and golden.",
            "Add the garlic and stir for one minute, taking care that it does not brown.",
            "!Tip in the {main} and the {veg}, and stir until everything is coated in the oil.",
            "!Pour in the stock, bring it to a gentle boil and then turn the heat down so that it barely simmers.",
            "Put the lid on at an angle and let it cook until everything is completely tender.",
            "Taste it and add salt, pepper and a squeeze of lemon until it tastes bright and balanced.",
            "If it looks too thick, add a splash of hot water; if it is too thin, simmer it uncovered for a few more minutes.",
            "Take the pot off the heat and stir in most of the chopped {herb}, keeping a little back for serving.",
        ]),
        (2, [
            "A spoonful of yoghurt on top makes it richer without much extra work.",
            "You can make it a day ahead; the flavours settle overnight and it reheats very well.",
            "If you are cooking for children, leave out the chilli and let the adults add their own at the table.",
            "Frozen vegetables work perfectly well here, so there is no need to buy fresh ones out of season.",
            "Do not rush the onions at the start, because they give the dish most of its sweetness.",
            "A heavy pot keeps the heat even, which stops the bottom from catching while you are busy elsewhere.",
            "Save the stems of the {herb} and add them with the stock for a little more flavour.",
        ]),
        (1, [
            "Serve it hot with crusty bread or a bowl of rice, and keep any leftovers in the fridge for up to three days.",
            "We eat it straight from deep bowls with bread on the side, and there is rarely any left.",
            "It also freezes well, so I often make a double batch and keep a few portions for busy evenings.",
            "Serve it with a green salad and something to mop up the sauce, and let everyone help themselves.",
        ]),
    ],
)

EN_PRODUCT = Genre(
    name="product",
    titles=[
        "{Brand} {model} {product}",
        "{Brand} {model} {product}, {variant}",
        "{product_cap}: {Brand} {model}",
    ],
    slots={
        "Brand": ["Northwind", "Alder & Finch", "Kestrel", "Harbor Works", "Tidewell", "Greystone"],
        "model": ["One", "S2", "Classic", "Pro 40", "Mini", "Trail", "Studio"],
        "price": ["49.90", "59.00", "74.50", "89.00", "119.00", "34.95"],
        "days": ["two", "three", "three to five"],
        "rating": ["4.3", "4.5", "4.6", "4.7"],
        "reviews": ["86", "112", "240", "37", "518"],
    },
    topics=[
        {"product": "electric kettle", "product_cap": "Electric kettle", "variant": "1.7 litres",
         "features": [
             "The kettle holds 1.7 litres and boils a full load in a little over four minutes.",
             "You can set the water to five temperatures, which is handy for green tea or pour-over coffee.",
             "The body is brushed steel with a cool-touch handle, and the lid opens with one press of a button.",
             "A removable mesh filter in the spout catches scale before it reaches your cup.",
             "It switches itself off when the water boils or if you lift it from the base by mistake.",
             "The base has a cord store underneath, so you can keep the cable short on a crowded counter.",
         ]},
        {"product": "backpack", "product_cap": "Travel backpack", "variant": "28 litres",
         "features": [
             "The main compartment holds 28 litres and opens fully like a suitcase, so packing is easy.",
             "A padded sleeve at the back takes a laptop of up to sixteen inches.",
             "The shoulder straps are wide and soft, and a simple hip belt takes weight off your back on long walks.",
             "The outer fabric is a recycled polyester with a water-repellent finish that copes with a short shower.",
             "There are two side pockets for bottles and a small top pocket for keys and a phone.",
             "It fits under most aircraft seats and meets the cabin size limits of the airlines we checked.",
         ]},
        {"product": "desk lamp", "product_cap": "LED desk lamp", "variant": "matte black",
         "features": [
             "The arm bends at three joints, so you can point the light exactly where you need it.",
             "You can choose between warm, neutral and cool light and dim each one in ten steps.",
             "The lamp uses about nine watts at full brightness and the LEDs are rated for many years of daily use.",
             "A USB port in the base charges a phone while you work.",
             "The weighted base keeps it steady without clamping it to the desk.",
             "The light is spread evenly across the page, without the hot spot that cheaper lamps often have.",
         ]},
        {"product": "rain jacket", "product_cap": "Waterproof rain jacket", "variant": "unisex",
         "features": [
             "The three-layer shell keeps out steady rain while letting sweat escape on a brisk walk.",
             "The hood has a stiffened peak and adjusts with one hand, so it stays put in the wind.",
             "Underarm zips let you cool down quickly when the sun comes out.",
             "It packs into its own chest pocket and weighs just under four hundred grams.",
             "All the seams are taped, and the front zip has a storm flap behind it.",
             "The cut leaves room for a warm layer underneath without feeling baggy.",
         ]},
        {"product": "wireless headphones", "product_cap": "Wireless headphones", "variant": "over-ear",
         "features": [
             "The battery lasts around thirty hours, and ten minutes of charging gives you another three hours of music.",
             "Noise cancelling takes the edge off trains and open offices without a feeling of pressure in the ears.",
             "The ear cushions are soft memory foam and can be replaced when they wear out.",
             "They connect to two devices at once, so switching from a laptop to a phone takes no effort.",
             "The headband folds flat, and a hard case is included for travel.",
             "A cable is included for listening on flights or when the battery runs out.",
         ]},
        {"product": "cast iron pan", "product_cap": "Cast iron frying pan", "variant": "26 cm",
         "features": [
             "The pan is 26 centimetres across and comes seasoned, so you can start cooking straight away.",
             "Cast iron holds heat very well, which gives steaks and potatoes a deep, even crust.",
             "It works on gas, electric and induction hobs, and in the oven.",
             "A second small handle opposite the main one makes it easier to lift when it is full.",
             "With a little oil after each wash, the surface gets smoother and more non-stick over time.",
             "It is heavy, at about two and a half kilograms, so it is not the pan for tossing pancakes.",
         ]},
    ],
    sections=[
        (1, [
            "The {Brand} {model} is a {product} for people who want something that simply works, day after day.",
            "We designed the {model} {product} around the things our customers told us they actually use.",
            "Meet the {Brand} {model}, a well-made {product} at a fair price of {price} euros.",
            "If you are replacing an old {product}, the {Brand} {model} is a sensible and sturdy choice.",
        ]),
        (4, "features"),
        (2, [
            "It costs {price} euros, including VAT, and ships within {days} working days.",
            "Delivery is free on orders over forty euros, and you can return the item within thirty days if it is not right for you.",
            "Every {product} is covered by a two-year warranty, and spare parts are available from our service team.",
            "We pack everything in recycled cardboard without plastic fillers.",
            "Orders placed before two in the afternoon usually leave our warehouse the same day.",
        ]),
        (2, [
            "Customers rate it {rating} out of 5 on average, based on {reviews} reviews.",
            "One reviewer wrote that it was the first {product} that did not annoy them after a month of daily use.",
            "Several buyers mention that it feels more solid than the price suggests.",
            "A few customers would like more colours, and we are listening.",
            "The most common complaint is that the box is larger than it needs to be, which we are working on.",
        ]),
    ],
)

EN_FORUM = Genre(
    name="forum",
    titles=["{question_title}", "Re: {question_title}", "[Help] {question_title}"],
    slots={
        "user1": ["quietgardener", "tom_r", "mapleleaf77", "nightowl_dev", "k.oakes", "bikeshed", "sunny_side"],
        "user2": ["old_hand", "grumpy_mechanic", "lena_w", "patchwork", "rivet", "dan.the.man", "ferncliff"],
        "user3": ["helpful_hannah", "circuit_breaker", "marco_p", "jaybird", "woodsmoke", "pebble", "q_and_a"],
        "weeks": ["two weeks", "a month", "ten days", "three weeks"],
    },
    topics=[
        {"question_title": "Home Wi-Fi drops every evening around eight",
         "question": [
             "For the last {weeks} our Wi-Fi has been dropping almost every evening between eight and ten, and then it comes back on its own after a few minutes.",
             "The router is about three years old and sits in the hallway, and the laptops and phones all lose the connection at the same moment.",
             "I have already restarted everything and updated the firmware, so I am running out of ideas.",
             "We mostly notice it during video calls, which is annoying because that is exactly when we need it.",
             "Our provider says the line looks fine from their side and suggested I ask here first.",
         ],
         "replies": [
             "Evenings are when all your neighbours are online too, so my first guess would be channel congestion. Try setting the 2.4 GHz band to channel 1, 6 or 11 by hand instead of leaving it on automatic.",
             "Check the router log if it has one. If you see the connection to your provider dropping, the problem is outside your house and you should call them.",
             "Is anything new plugged in near the router? A microwave or a cheap power adapter can cause exactly this kind of interference.",
             "I had the same thing and it turned out to be the router overheating inside a cupboard. Moving it onto an open shelf fixed it completely.",
             "If the router is old, it may simply be failing. Many providers will swap it for free if you ask politely and mention the dropouts.",
             "Run a cable from one laptop to the router during the evening. If the cable connection drops as well, it is not a wireless problem.",
         ]},
        {"question_title": "Bike gears skip under load on the hills",
         "question": [
             "My gears skip whenever I stand up on the pedals on a hill, and it has been getting worse over {weeks}.",
             "It is mostly in the middle of the cassette, and it feels as if the chain jumps one tooth forward.",
             "The bike has done maybe four thousand kilometres and I have never replaced anything in the drivetrain.",
             "On the flat it shifts perfectly, which is why I only noticed the problem on my commute over the hill.",
             "I would rather fix it myself than take it to the shop, if it is something simple.",
         ],
         "replies": [
             "After four thousand kilometres the chain is very likely worn. A chain checker tool costs very little and will tell you in ten seconds.",
             "If the chain is worn, the cassette has probably worn with it, so be ready to replace both together.",
             "Before buying parts, try a quarter turn on the barrel adjuster. Cable stretch causes skipping like this quite often.",
             "Check that the rear wheel is seated properly in the dropouts. A wheel that sits slightly crooked can make the chain jump.",
             "Clean and oil the chain first. You would be surprised how many problems go away with a clean drivetrain.",
             "A bent derailleur hanger is another classic cause, especially if the bike has fallen over on the right side.",
         ]},
        {"question_title": "Sourdough starter smells fine but will not rise",
         "question": [
             "I started my first sourdough starter {weeks} ago with flour and water, and it smells pleasantly sour but barely rises at all.",
             "I feed it once a day with equal weights of flour and water and keep it on the kitchen counter.",
             "Bread made with it comes out dense and flat, so I am wondering whether to give up and start again.",
             "There are a few bubbles on the surface after feeding, but it never doubles like the videos show.",
             "The flour is an ordinary plain white flour from the supermarket, if that matters.",
         ],
         "replies": [
             "Do not give up yet. A cold kitchen slows everything down, so try keeping the jar somewhere warmer, like on top of the fridge.",
             "Switch part of the flour to wholemeal or rye for a week. The extra nutrients often wake a sleepy starter right up.",
             "Feed it twice a day and throw away most of it before each feed, otherwise the yeast is always hungry.",
             "Mark the level on the jar with a rubber band after feeding, so you can see honestly how much it rises.",
             "Chlorine in tap water can slow it down. Leave the water standing for an hour or use filtered water.",
             "Mine took almost a month before it became reliable, so patience really is part of the recipe.",
         ]},
        {"question_title": "Laptop fan is loud even when doing nothing",
         "question": [
             "My laptop fan runs loudly even when only a browser is open, and the bottom of the case gets quite warm.",
             "It started about {weeks} ago, and the machine is a little over two years old.",
             "I have not installed anything new, as far as I remember, so I do not understand what changed.",
             "Battery life has also dropped noticeably, so something is clearly working harder than it should.",
             "It is quiet for the first few minutes after starting and then the fan slowly spins up.",
         ],
         "replies": [
             "Open the task manager and sort by processor use. A stuck update or an indexing job is a very common cause.",
             "Dust is the other usual suspect. A can of compressed air through the vents can make a big difference.",
             "Do not use it on a bed or a sofa, because the fabric blocks the air intake underneath.",
             "Check whether a browser tab is running something heavy in the background. Closing one tab fixed it for me once.",
             "If it is still under warranty, let the manufacturer clean it rather than opening it yourself.",
             "A cooling stand is cheap and helps, but it treats the symptom rather than the cause.",
         ]},
        {"question_title": "Leaves on my fiddle leaf fig are turning yellow",
         "question": [
             "The lower leaves on my fiddle leaf fig have been turning yellow and dropping for {weeks}.",
             "It stands about a metre from a bright window, and I water it once a week.",
             "The new leaves at the top look healthy, which makes it even more confusing.",
             "I moved it into a slightly bigger pot in the spring, and it seemed happy all summer.",
             "The room is a little cooler now that the heating is on only in the evenings.",
         ],
         "replies": [
             "Yellow lower leaves usually mean too much water. Push a finger into the soil and only water when the top few centimetres are dry.",
             "Make sure the pot has a drainage hole and that no water is standing in the saucer.",
             "These plants hate being moved, so if it changed places recently it may just be sulking.",
             "A little fertiliser in spring and summer helps, but never feed a plant that is already stressed.",
             "If the roots smell bad when you lift it out of the pot, cut away the soft ones and repot into fresh soil.",
             "Older leaves do drop naturally now and then, so one or two yellow leaves is nothing to worry about.",
         ]},
        {"question_title": "Condensation on the inside of the bedroom window every morning",
         "question": [
             "Every morning for {weeks} the inside of our bedroom window has been dripping wet, and there are dark spots starting in the corners.",
             "We sleep with the door closed and the heating low, and the window is a fairly new double-glazed one.",
             "I wipe it every day, but I would like to stop it happening rather than just clean up after it.",
             "The other rooms are fine, so it seems to be something about the bedroom itself.",
             "We do have a small extractor fan in the bathroom next door, but it is quite weak.",
         ],
         "replies": [
             "Two people breathing all night put a surprising amount of water into the air. Opening the window a little for the first hour of the morning helps a lot.",
             "A cheap hygrometer will tell you the humidity. If it is above sixty percent, you need more ventilation.",
             "Do you dry laundry indoors? That is often the biggest single source of moisture in a flat.",
             "Treat the dark spots with a mould cleaner now, before they spread into the sealant.",
             "Keeping the heating a little higher and more even stops the glass from getting so cold overnight.",
             "A small dehumidifier running for a few hours a day solved it completely in our old flat.",
         ]},
    ],
    sections=[
        (3, "question!", "{user1} asked: "),
        (2, "replies", "{user2} replied: "),
        (2, "replies", "{user3} replied: "),
        (1, [
            "Thanks, everyone. I will try these suggestions this weekend and report back.",
            "Update: I tried the first suggestion and it already seems better, so thank you all.",
            "Great advice here, I have bookmarked the thread for the next time this happens.",
            "Thanks for the quick replies, this forum is always more helpful than the manual.",
        ], "{user1} wrote: "),
    ],
)

EN_HOWTO = Genre(
    name="howto",
    titles=["How to {task}", "How to {task}: a beginner's guide", "{Task} in {n_steps} easy steps", "A simple way to {task}"],
    slots={"n_steps": ["five"]},
    topics=[
        {"task": "repot a houseplant", "Task": "Repot a houseplant",
         "intro": [
             "Most houseplants need a bigger pot every year or two, when the roots start circling the bottom or growing out of the drainage holes.",
             "Spring is the best time, because the plant is starting to grow and recovers quickly.",
             "You only need a slightly larger pot, fresh potting mix and something to protect the table.",
         ],
         "steps": [
             "Water the plant the day before, so the root ball holds together and slides out more easily.",
             "Choose a new pot that is only two or three centimetres wider than the old one.",
             "Turn the old pot on its side, hold the plant by the base of the stems and ease it out.",
             "Loosen the outer roots gently with your fingers and cut away any that are dark and soft.",
             "Put a layer of fresh mix in the new pot so that the plant sits at the same depth as before.",
             "Fill around the sides, pressing the mix down lightly, and water it well.",
             "Keep the plant out of strong sun for a week while it settles in.",
         ],
         "tips": [
             "Resist the urge to use a much bigger pot, because extra wet soil around the roots can cause rot.",
             "Cactus and succulents need a gritty mix, so buy a special one or add some sand.",
             "Do not feed the plant for a month after repotting, since fresh mix already contains nutrients.",
         ]},
        {"task": "descale a kettle", "Task": "Descale a kettle",
         "intro": [
             "If you live in a hard water area, a white crust builds up inside the kettle within a few months.",
             "Scale makes the kettle slower and noisier, and the flakes end up in your tea.",
             "The good news is that ordinary white vinegar or citric acid removes it cheaply.",
         ],
         "steps": [
             "Fill the kettle halfway with equal parts of water and white vinegar.",
             "Bring it to the boil, then switch it off and let it stand for an hour.",
             "If you prefer citric acid, dissolve two tablespoons in half a litre of water instead.",
             "Pour the solution away and scrub any stubborn spots with a soft brush.",
             "Fill the kettle with clean water, boil it and pour it away.",
             "Repeat the clean boil once more so that no taste of vinegar remains.",
             "Wipe the outside and the base with a damp cloth and dry it well.",
         ],
         "tips": [
             "Descaling once a month keeps the job quick and easy.",
             "Never put the kettle itself in water or in the dishwasher.",
             "A filter jug for your drinking water slows down the build-up of scale.",
         ]},
        {"task": "back up your phone photos", "Task": "Back up your phone photos",
         "intro": [
             "Phones get lost, broken and stolen, and the photos on them are often the only copies.",
             "A good backup follows a simple rule: keep at least two copies, in two different places.",
             "Setting it up takes half an hour once, and then it runs more or less on its own.",
         ],
         "steps": [
             "Check how much space your photos take up in the phone settings.",
             "Turn on the photo backup of your cloud service and let it run overnight on Wi-Fi.",
             "Make sure it uploads the original files and not just smaller preview copies.",
             "Connect the phone to a computer once a month and copy the photo folder to an external drive.",
             "Name the folders by year and month, so you can find things again later.",
             "Open a few old photos from the backup now and then to check that it really works.",
             "Keep the external drive somewhere other than your phone, ideally in a different room or house.",
         ],
         "tips": [
             "Delete blurry shots and duplicates first, because it makes every backup smaller and faster.",
             "A backup that has never been tested is only a hope, so test yours.",
             "Write down the password for your cloud account somewhere safe, away from the phone.",
         ]},
        {"task": "fix a flat bicycle tyre", "Task": "Fix a flat bicycle tyre",
         "intro": [
             "A flat tyre is the most common problem on a bike, and fixing it at the roadside is a useful skill.",
             "You need tyre levers, a patch kit or a spare tube, and a pump that fits your valves.",
             "With a little practice the whole job takes about fifteen minutes.",
         ],
         "steps": [
             "Shift to the smallest rear sprocket and open the brake, then take the wheel out of the frame.",
             "Let out any remaining air and push the valve up into the tyre.",
             "Hook a tyre lever under the edge of the tyre, lift it over the rim and run a second lever around the wheel.",
             "Pull out the tube and pump a little air into it to find the hole.",
             "Run your fingers carefully around the inside of the tyre to find and remove whatever caused the puncture.",
             "Patch the hole or fit the spare tube, and push the tyre back onto the rim with your thumbs.",
             "Pump it up to the pressure printed on the side of the tyre and refit the wheel.",
         ],
         "tips": [
             "Always check the inside of the tyre, or the new tube will puncture again within a minute.",
             "Avoid using a screwdriver as a lever, since it can pinch the tube or damage the rim.",
             "Practise once at home, so you are not learning for the first time in the rain.",
         ]},
        {"task": "season a cast iron pan", "Task": "Season a cast iron pan",
         "intro": [
             "Seasoning is the thin layer of baked-on oil that makes cast iron smooth and protects it from rust.",
             "New pans often come pre-seasoned, but a neglected or rusty pan needs to be done again.",
             "All you need is a neutral oil, a clean cloth and an oven.",
         ],
         "steps": [
             "Wash the pan with hot water and a little soap, and scrub off any rust with steel wool.",
             "Dry it completely, then warm it on the hob for a few minutes to drive off the last moisture.",
             "Rub a very thin layer of oil over every surface, including the handle and the underside.",
             "Wipe it again with a clean cloth as if you had used too much oil, because you almost certainly have.",
             "Put the pan upside down in the oven at about two hundred and thirty degrees for an hour.",
             "Turn off the oven and let the pan cool down inside it.",
             "Repeat the oiling and baking two or three times for a tougher finish.",
         ],
         "tips": [
             "Too much oil leaves a sticky surface, so always wipe off more than seems necessary.",
             "Cooking fatty food in the first few weeks helps the seasoning build up.",
             "Never leave the pan soaking in water, and dry it on the hob after washing.",
         ]},
        {"task": "hang a shelf on a plaster wall", "Task": "Hang a shelf on a plaster wall",
         "intro": [
             "A shelf is only as strong as the fixings that hold it, so it pays to take your time.",
             "You will need a drill, a spirit level, a pencil, the right wall plugs and screws, and a detector for cables and pipes.",
             "Plan to spend about an hour, including the time to tidy up the dust.",
         ],
         "steps": [
             "Check the wall with the detector, because cables often run straight up and down from sockets and switches.",
             "Hold the shelf in place, check it with the spirit level and mark the position of the brackets.",
             "Drill the holes with the bit size printed on the packet of wall plugs.",
             "Tap the plugs into the holes until they sit flush with the surface.",
             "Screw the brackets on loosely first, check the level again, and then tighten them.",
             "Put the shelf on the brackets and fix it from below if the brackets allow it.",
             "Load the shelf gradually, starting with lighter things, and check that nothing moves.",
         ],
         "tips": [
             "Hold a folded sheet of paper under the hole while drilling to catch most of the dust.",
             "If the plaster crumbles, use longer plugs that reach into the masonry behind it.",
             "Heavy books need more support than ornaments, so add a third bracket on long shelves.",
         ]},
    ],
    sections=[
        (2, "intro"),
        (5, "steps"),
        (2, "tips"),
        (1, [
            "That is all there is to it, and after the first time it becomes routine.",
            "Take it slowly the first time, and you will be surprised how easy it is.",
            "If you have a question, leave it in the comments and we will try to help.",
            "Once you have done it yourself, you will never want to pay someone else for it again.",
        ]),
    ],
)

EN_NEWS = Genre(
    name="news",
    titles=[
        "Council approves plans for {project} in {town}",
        "{Project} in {town}: what happens next",
        "Residents divided over {project}",
        "Work on {project} to start in {month}",
    ],
    slots={
        "town": ["Millbrook", "Ashford Vale", "Kingsmere", "Westhaven", "Elmstead", "Harrowgate Bridge", "Fernley", "Stonebury"],
        "month": ["January", "February", "March", "April", "May", "June", "September"],
        "councillor": ["Councillor Priya Shah", "Councillor Martin Doyle", "Councillor Ruth Ellison", "Councillor Ben Adeyemi"],
        "resident": ["Margaret Lowe", "Sam Okafor", "Helen Price", "David Marsh", "Aisha Rahman", "Peter Kowalski"],
        "weeks": ["six weeks", "two months", "three months", "eighteen months"],
        "votes": ["seven votes to two", "six votes to three", "eight votes to one"],
    },
    topics=[
        {"project": "a new public library", "Project": "A new public library", "cost": "4.2 million", "where": "the site of the old bus depot"},
        {"project": "a protected cycle lane", "Project": "A protected cycle lane", "cost": "850,000", "where": "the high street"},
        {"project": "the repair of the river bridge", "Project": "The repair of the river bridge", "cost": "1.6 million", "where": "the river crossing"},
        {"project": "a weekly farmers market", "Project": "A weekly farmers market", "cost": "40,000", "where": "the station car park"},
        {"project": "a new roof for the primary school", "Project": "A new roof for the primary school", "cost": "620,000", "where": "the primary school"},
        {"project": "a community swimming pool", "Project": "A community swimming pool", "cost": "7.5 million", "where": "the edge of the recreation ground"},
        {"project": "longer opening hours at the recycling centre", "Project": "Longer opening hours at the recycling centre", "cost": "95,000", "where": "the recycling centre"},
        {"project": "new street lighting", "Project": "New street lighting", "cost": "1.1 million", "where": "the older residential streets"},
    ],
    sections=[
        (1, [
            "Councillors in {town} have approved {project}, after a long debate that ran late into Tuesday evening.",
            "Plans for {project} in {town} moved a step closer this week, when the council voted {votes} in favour.",
            "{Project} for {town} has been given the go-ahead, with work expected to begin in {month}.",
            "After more than a year of consultation, {town} will get {project}.",
        ]),
        (3, [
            "The scheme is expected to cost around {cost} pounds, most of it covered by a regional grant.",
            "The work will take place at {where}, and the council says disruption will be kept to a minimum.",
            "The decision follows a public consultation in which more than nine hundred people took part.",
            "Officials said that the first phase should be finished within {weeks} if the weather is kind.",
            "An earlier version of the plan was rejected two years ago because of concerns about the cost.",
            "Local businesses will be invited to bid for parts of the contract, the council confirmed.",
            "A detailed timetable will be published on the council noticeboards before any work begins.",
        ]),
        (1, [
            "\"This is something residents have been asking for for a very long time,\" said {councillor}.",
            "\"We have listened carefully, and we think the final plan is better for it,\" {councillor} told the meeting.",
            "{councillor} said the council had \"learned a lot\" from the consultation and thanked everyone who took part.",
        ]),
        (1, [
            "{resident}, who has lived in {town} for thirty years, welcomed the decision but wants to see the details first.",
            "\"I just hope they finish on time, because the last project dragged on for ages,\" said {resident}.",
            "\"It is good news for families, and for older people too,\" {resident} said outside the town hall.",
            "Not everyone is convinced, and {resident} said the money could have been spent on the roads instead.",
        ]),
        (1, [
            "Some residents have raised concerns about parking and noise during the construction period.",
            "Opposition councillors questioned whether the running costs had been fully accounted for.",
            "A small group of protesters gathered outside the meeting, but the debate itself was calm.",
            "Questions remain about how the project will be maintained once the grant money runs out.",
        ]),
        (1, [
            "A public drop-in session will be held at the community centre next month, where residents can see the plans and ask questions.",
            "The council will report on progress at its next meeting, which is open to the public.",
            "Residents who want to comment can still write to the council until the end of the month.",
            "Further updates are expected once the contractor has been appointed.",
        ]),
    ],
)

EN_GENRES = [EN_TRAVEL, EN_RECIPE, EN_PRODUCT, EN_FORUM, EN_HOWTO, EN_NEWS]

JA_TRAVEL = Genre(
    name="travel",
    joiner="",
    titles=[
        "{season}の{city}を歩く、{nights}の小さな旅",
        "{city}旅行記：のんびり過ごした{nights}",
        "はじめての{city}、正直な感想まとめ",
        "{city}で見つけた、静かな路地と美味しいもの",
        "一人旅で訪れた{city}の記録",
    ],
    slots={
        "city": ["金沢", "松本", "尾道", "函館", "倉敷", "高山", "松江", "弘前", "長崎", "鎌倉", "小樽", "伊勢"],
        "season": ["春", "初夏", "秋", "冬"],
        "nights": ["一泊二日", "二泊三日", "三泊四日"],
        "transport": ["新幹線", "高速バス", "特急列車"],
        "food": ["海鮮丼", "地元のそば", "郷土料理の定食", "焼き魚の定食", "名物のおでん", "土地の野菜を使った天ぷら"],
        "sight": ["城跡", "古いお寺", "市立美術館", "日本庭園", "高台の展望台"],
    },
    sections=[
        (2, [
            "{season}の連休を使って、{city}へ{nights}の旅に出かけました。",
            "前から一度行ってみたいと思っていた{city}に、ようやく行くことができました。",
            "今回は友人と二人で、{transport}に乗って{city}まで足を延ばしました。",
            "特に予定は決めず、気の向くままに町を歩いてみることにしました。",
            "{city}を訪れるのは学生のころ以来なので、十年以上ぶりになります。",
            "この記事では、旅の様子を写真の代わりに文章で簡単にまとめておきます。",
            "出発の前日まで天気予報とにらめっこしていましたが、幸いなことに滞在中はほとんど晴れていました。",
            "今回の旅の目的は、観光名所を回ることよりも、町の空気をゆっくり味わうことでした。",
        ]),
        (4, [
            "駅に着いたのは昼過ぎで、まずは荷物をホテルに預けてから町の中心部へ向かいました。",
            "駅前は思っていたよりも静かで、少し歩くと古い町並みが残る通りに出ます。",
            "観光案内所で無料の地図をもらえたので、それを頼りに歩いて回りました。",
            "町の中心部はコンパクトなので、ほとんどの場所は歩いて行ける距離にあります。",
            "路線バスも本数が多く、一日乗車券を買っておくとかなりお得です。",
            "古い蔵を改装したカフェや雑貨屋が多く、何度も寄り道をしてしまいました。",
            "平日だったこともあり、有名な通りでも人は少なく、ゆっくり見て回ることができました。",
            "夕方になると川沿いの道に明かりがともり、昼間とはまた違った雰囲気になります。",
            "宿は古い町家を改装した小さなゲストハウスで、朝になると近くのお寺の鐘の音が聞こえてきました。",
            "商店街には昔ながらの八百屋や魚屋が並び、地元の人たちの暮らしぶりが感じられます。",
            "地図を持たずに歩いていると、思いがけず静かな神社や小さな公園に出会えるのも楽しみのひとつです。",
        ]),
        (3, [
            "お昼は地元の人に教えてもらった食堂で{food}を食べましたが、値段の割に量が多くて驚きました。",
            "夜は駅の近くの小さな居酒屋に入り、店主のすすめで{food}を注文しました。",
            "朝市は朝七時ごろから開いていて、見て歩くだけでも十分に楽しめます。",
            "旅の一番の思い出は、古い商家を改装した食堂で食べた{food}かもしれません。",
            "甘いものが好きな人には、老舗の和菓子屋で売っている季節の生菓子がおすすめです。",
            "人気のお店は開店前から行列ができるので、早めに行くか、少し時間をずらすのがよいと思います。",
            "駅の売店で買ったお弁当も意外なほどおいしく、帰りの電車の中で楽しみました。",
            "夜は地元のお酒を少しだけ飲み比べて、旅の気分をゆっくりと味わいました。",
        ]),
        (3, [
            "二日目は早起きをして、朝一番に{sight}を見に行きました。",
            "朝の時間帯はどこも空いていて、静かな雰囲気の中で見学することができました。",
            "少し足を延ばして郊外の温泉にも立ち寄り、歩き疲れた体をゆっくり休めました。",
            "雨の日は市内の博物館で過ごしましたが、展示が充実していて半日があっという間でした。",
            "高台にある公園からは町全体が見渡せて、特に夕暮れどきの景色がきれいでした。",
            "レンタサイクルを借りて、川沿いの道を一時間ほど走ったのも気持ちがよかったです。",
            "地元のボランティアガイドさんが町の歴史を丁寧に説明してくださり、何気ない通りの見え方が変わりました。",
            "美術館の中庭にある小さな喫茶室は、旅の途中でひと息つくのにちょうどよい場所でした。",
        ]),
        (2, [
            "全体的に物価もそれほど高くなく、落ち着いて過ごせるよい町だと感じました。",
            "歩きやすい靴と、急な雨に備えて折りたたみ傘を持っていくと安心です。",
            "次は別の季節に、もう少し長く滞在してみたいと思います。",
            "有名な観光地以外にも、路地裏に魅力的なお店がたくさんありました。",
            "ホテルは駅の近くにとりましたが、どこへ行くにも便利で正解でした。",
            "短い旅でしたが、また必ず訪れたいと思える場所がひとつ増えました。",
            "交通系ICカードが使える場所が多く、小銭を用意する必要はあまりありませんでした。",
            "お土産には、地元の商店で見つけた手ぬぐいと小さな焼き物を選びました。",
        ]),
    ],
)

JA_RECIPE = Genre(
    name="recipe",
    joiner="",
    titles=[
        "我が家の定番、{dish}の作り方",
        "簡単でおいしい{dish}",
        "冷蔵庫にあるもので作る{dish}",
        "母から教わった{dish}のレシピ",
    ],
    topics=[
        {"dish": "肉じゃが", "main": "豚肉", "time": "三十分",
         "ingredients": "材料は四人分で、豚の薄切り肉二百グラム、じゃがいも三個、玉ねぎ一個、にんじん一本、しょうゆ大さじ三、砂糖大さじ二、みりん大さじ二、だし汁三百ミリリットルです。"},
        {"dish": "筑前煮", "main": "鶏もも肉", "time": "四十分",
         "ingredients": "材料は四人分で、鶏もも肉一枚、ごぼう一本、れんこん百五十グラム、にんじん一本、こんにゃく一枚、干ししいたけ四枚、しょうゆとみりんを各大さじ三ほど用意します。"},
        {"dish": "かぼちゃの煮物", "main": "かぼちゃ", "time": "二十分",
         "ingredients": "材料はかぼちゃ四分の一個、だし汁二百ミリリットル、砂糖大さじ一と半分、しょうゆ大さじ一、みりん大さじ一だけです。"},
        {"dish": "豚汁", "main": "豚こま肉", "time": "三十分",
         "ingredients": "材料は四人分で、豚こま肉百五十グラム、大根五センチ、にんじん半分、ごぼう半分、豆腐半丁、長ねぎ一本、味噌大さじ四、だし汁八百ミリリットルです。"},
        {"dish": "鶏と大根の煮物", "main": "鶏手羽元", "time": "四十分",
         "ingredients": "材料は鶏手羽元八本、大根三分の一本、しょうが一かけ、しょうゆ大さじ三、砂糖大さじ一、酒大さじ二、水四百ミリリットルです。"},
        {"dish": "厚揚げと白菜の煮びたし", "main": "厚揚げ", "time": "十五分",
         "ingredients": "材料は厚揚げ一枚、白菜四分の一株、だし汁三百ミリリットル、しょうゆ大さじ一と半分、みりん大さじ一、塩少々です。"},
        {"dish": "さばの味噌煮", "main": "さば", "time": "二十五分",
         "ingredients": "材料は二人分で、さばの切り身二切れ、しょうが一かけ、味噌大さじ二、砂糖大さじ一、酒大さじ二、水百五十ミリリットルです。"},
    ],
    sections=[
        (3, [
            "今日は我が家の定番、{dish}の作り方をご紹介します。",
            "{dish}は、冷蔵庫にある材料で手軽に作れるので、忙しい日の夕飯にぴったりです。",
            "子どものころから母がよく作ってくれた{dish}を、自分なりに少しアレンジしてみました。",
            "調理時間は{time}ほどで、特別な道具は必要ありません。",
            "材料はどれもスーパーで手に入るものばかりなので、ぜひ気軽に作ってみてください。",
            "味付けはシンプルですが、何度食べても飽きない優しい味に仕上がります。",
            "寒い季節になると、無性に食べたくなるのがこの{dish}です。",
            "作り置きしておけば、次の日のお昼ごはんにもなるのでとても助かります。",
        ]),
        (1, "ingredients"),
        (6, [
            "まず、{main}を食べやすい大きさに切っておきます。",
            "野菜は皮をむき、火の通りが均一になるように大きさをそろえて切ります。",
            "!鍋に油を少し入れて中火で熱し、{main}を軽く炒めます。",
            "表面の色が変わったら残りの材料を加え、全体に油がなじむまで炒めます。",
            "!調味料と水分を加えてひと混ぜし、ふたをして弱火でじっくり煮ます。",
            "途中で一度上下を返し、味が全体にしみ込むようにします。",
            "汁気が少なくなってきたら火を止め、そのまましばらく置いて味をなじませます。",
            "最後に味見をして、足りなければしょうゆを少し加えて調整します。",
            "鍋が煮立ったら、表面に浮いてくるアクを丁寧に取り除きます。",
            "火を止める直前に、全体をやさしく混ぜて味を均一にします。",
        ]),
        (3, [
            "煮る前に{main}を軽く焼いておくと、香ばしさが加わってさらにおいしくなります。",
            "一度冷ますと味がよくしみ込むので、前の日に作っておくのもおすすめです。",
            "甘さは好みに合わせて、砂糖の量で調整してください。",
            "落としぶたを使うと、少ない煮汁でも全体に味が回ります。",
            "冷蔵庫で二、三日は保存できるので、お弁当のおかずにも便利です。",
            "彩りに青ねぎやいんげんを添えると、見た目も華やかになります。",
            "しょうゆは一度に入れず、二回に分けて加えると味が決まりやすくなります。",
            "圧力鍋を使えば、煮込む時間をかなり短くすることができます。",
        ]),
        (1, [
            "温かいご飯とお味噌汁を添えれば、立派な晩ごはんの完成です。",
            "簡単なので、ぜひ週末にでも試してみてください。",
            "家族にも好評で、我が家ではすっかり定番になりました。",
            "作ってみた感想など、コメントで教えていただけるとうれしいです。",
        ]),
    ],
)

JA_PRODUCT = Genre(
    name="product",
    joiner="",
    titles=[
        "{brand}の{product}を{period}使ってみた感想",
        "【レビュー】{brand} {product}は買いか",
        "{product}を買い替えました：{brand}の新モデル",
    ],
    slots={
        "brand": ["ミナト電機", "サクラ家電", "ヒカリ", "アオバ", "ツバメ工房"],
        "period": ["一か月", "三週間", "二か月", "半年"],
        "price": ["八千", "一万二千", "一万八千", "二万五千", "三万二千"],
    },
    topics=[
        {"product": "電気ケトル", "features": [
            "容量は一リットルで、カップ一杯分なら一分ほどでお湯が沸きます。",
            "温度を五段階で設定できるので、緑茶やコーヒーを淹れるときに便利です。",
            "注ぎ口が細く、ドリップコーヒーを淹れるときにもお湯の量を調整しやすいです。",
            "本体が二重構造になっていて、沸騰直後でも外側がそれほど熱くなりません。",
            "空だきを防ぐ機能が付いているので、うっかりしても安心です。",
        ]},
        {"product": "ロボット掃除機", "features": [
            "スマートフォンのアプリから掃除の時間や場所を細かく指定できます。",
            "段差の検知がしっかりしていて、玄関から落ちたことは一度もありません。",
            "ごみは本体の小さなケースにたまるので、二、三日に一度捨てるだけで済みます。",
            "家具の下の狭い隙間にも入り込んで、ほこりをきれいに吸い取ってくれます。",
            "充電が少なくなると自分で充電台に戻り、続きから掃除を再開します。",
        ]},
        {"product": "炊飯器", "features": [
            "内釜が厚く、炊き上がったご飯はふっくらとしていて甘みがあります。",
            "白米だけでなく、玄米や炊き込みご飯のメニューも用意されています。",
            "予約タイマーを使えば、朝起きたときに炊きたてのご飯が食べられます。",
            "内ぶたが外せるので、毎日のお手入れがとても簡単です。",
            "保温しても黄ばみにくく、夜まで置いてもおいしく食べられました。",
        ]},
        {"product": "ワイヤレスイヤホン", "features": [
            "一回の充電で約八時間使えて、ケースと合わせると三十時間近く持ちます。",
            "ノイズキャンセリングをオンにすると、電車の走行音がかなり小さくなります。",
            "耳にしっかりと収まるので、歩きながら使っても落ちる心配がありません。",
            "通話のときも相手に声がはっきり届いているようで、仕事の電話にも使えています。",
            "ケースが小さく、ズボンのポケットにも無理なく入ります。",
        ]},
        {"product": "加湿器", "features": [
            "タンクの容量が大きく、寝る前に満水にすれば朝まで給水の必要がありません。",
            "運転音がとても静かで、寝室に置いても気になりませんでした。",
            "湿度を自動で調整してくれるので、窓の結露が以前より減りました。",
            "タンクの口が広く、中まで手を入れて洗えるのが衛生的です。",
            "タイマー機能があり、外出前に切り忘れる心配がありません。",
        ]},
    ],
    sections=[
        (3, [
            "長年使っていた{product}が壊れてしまったので、思い切って新しいものに買い替えました。",
            "今回購入したのは、{brand}の{product}です。",
            "ネットの口コミを比較して、最終的に価格と使いやすさのバランスでこの機種を選びました。",
            "購入してから{period}ほど毎日使ってみたので、正直な感想をまとめておきます。",
            "価格は{price}円ほどで、この種類の製品としては中くらいの値段だと思います。",
            "家電量販店で実物を触ってみて、持ちやすさと質感が決め手になりました。",
            "同じような価格帯の製品がいくつもあり、正直かなり迷いました。",
        ]),
        (3, "features"),
        (3, [
            "よかった点は、操作が分かりやすく、説明書をほとんど読まずに使い始められたことです。",
            "デザインがシンプルで、部屋に置いても悪目立ちしないところも気に入っています。",
            "気になった点を挙げるとすれば、本体が思ったより少し大きいことくらいです。",
            "音は静かとは言えませんが、生活の中で気になるほどではありません。",
            "お手入れが簡単なのは、毎日使うものだからこそ大きなポイントだと感じました。",
            "電源を入れてから使えるようになるまでが早く、待たされる感じがありません。",
            "付属のケーブルが少し短いので、置き場所によっては延長コードが必要になります。",
        ]),
        (1, [
            "全体としては満足度が高く、同じような製品を探している人にはおすすめできます。",
            "値段以上の価値はあると思うので、買ってよかったです。",
            "劇的に生活が変わるわけではありませんが、毎日のちょっとした手間が減りました。",
            "次に買い替えるときも、同じメーカーの製品を候補に入れると思います。",
        ]),
    ],
)

JA_DIARY = Genre(
    name="diary",
    joiner="",
    titles=[
        "{month}の週末のこと",
        "最近の小さな習慣について",
        "のんびりした休日の記録",
        "{month}の日記：朝の散歩とベランダの話",
    ],
    slots={"month": ["四月", "五月", "六月", "九月", "十月", "十一月"]},
    sections=[
        (2, [
            "今朝は久しぶりに早起きをして、近所の川沿いを一時間ほど散歩しました。",
            "週末は特に予定がなかったので、家の片付けをしながらのんびり過ごしました。",
            "最近、ベランダで小さな家庭菜園を始めました。",
            "仕事帰りに駅前の図書館に寄るのが、ここ数か月の習慣になっています。",
            "{month}に入り、朝晩はだいぶ過ごしやすくなってきました。",
            "この春から、毎日少しずつ日記を書くことにしました。",
            "朝からよく晴れていたので、布団を干してから出かけることにしました。",
            "在宅勤務の日が増えてから、一日の過ごし方を少し見直すようになりました。",
        ]),
        (4, [
            "空気が澄んでいて、遠くの山までくっきりと見えました。",
            "ミニトマトとバジルの苗を買ってきて、大きめのプランターに植えました。",
            "図書館では、前から気になっていた料理のエッセイを三冊借りてきました。",
            "途中のパン屋で焼きたてのクロワッサンを買い、公園のベンチで食べました。",
            "押し入れの奥から学生時代のアルバムが出てきて、つい手を止めて見入ってしまいました。",
            "毎朝水をやるたびに少しずつ葉が増えていくのが、ささやかな楽しみです。",
            "散歩の途中で、近所の猫がいつもの塀の上で日向ぼっこをしていました。",
            "午後は窓を開けて、積んだままになっていた本を読みながら過ごしました。",
            "帰り道に寄った八百屋さんで、旬のりんごを安く分けてもらいました。",
            "夕方には友人から久しぶりに電話があり、一時間近くも話し込んでしまいました。",
            "夕飯は冷蔵庫の残り物で、具だくさんの味噌汁と焼き魚を作りました。",
        ]),
        (3, [
            "忙しい毎日の中でも、こういう時間を意識してつくることが大切だと感じます。",
            "何か特別なことをしたわけではありませんが、気持ちがすっきりしました。",
            "続けられるか不安でしたが、気づけば一か月以上続いています。",
            "小さな変化に気づけるようになったのは、この習慣のおかげかもしれません。",
            "無理をせず、できる範囲で続けていきたいと思います。",
            "夜は早めにお風呂に入り、十時には布団に入りました。",
            "季節の移り変わりを肌で感じられるのは、歩いて出かけるからこそだと思います。",
            "手を動かしていると、頭の中のもやもやが少しずつ整理されていく気がします。",
        ]),
        (1, [
            "来週は天気がよければ、少し遠くの公園まで足を延ばしてみるつもりです。",
            "また何か変化があれば、ここに書き残しておこうと思います。",
            "皆さんは、休日をどのように過ごしていますか。",
            "明日からまた一週間、がんばります。",
        ]),
    ],
)

JA_GENRES = [JA_TRAVEL, JA_RECIPE, JA_PRODUCT, JA_DIARY]

ZH_TRAVEL = Genre(
    name="travel",
    joiner="",
    titles=[
        "{city}{days}日游：慢慢走，慢慢看",
        "第一次去{city}，这些经验分享给你",
        "{city}自由行记录",
        "在{city}度过的几天",
    ],
    slots={
        "city": ["苏州", "厦门", "大理", "青岛", "西安", "成都", "桂林", "洛阳", "泉州", "扬州"],
        "season": ["春天", "秋天", "五一假期", "初夏"],
        "days": ["三", "四", "五"],
        "transport": ["高铁", "飞机"],
        "hours": ["三", "四", "五", "六"],
        "food": ["小吃", "早点", "面馆的招牌面", "本地的家常菜"],
        "taste": ["辣", "甜"],
    },
    sections=[
        (2, [
            "今年{season}，我和朋友一起去{city}玩了{days}天。",
            "{city}是我一直想去的城市，这次终于有机会成行。",
            "这次去{city}没有跟团，全程都是自己安排的自由行。",
            "下面简单记录一下这几天的行程和感受，希望对准备去{city}的朋友有所帮助。",
            "我们是坐{transport}过去的，路上大概花了{hours}个小时。",
        ]),
        (4, [
            "老城区不大，大部分景点步行就能到达。",
            "我们住在离地铁站不远的一家民宿，房间干净，老板也很热情。",
            "第一天下午先在老街上随便逛了逛，街边有很多小吃店和手工艺品店。",
            "市内公交很方便，用手机扫码就可以乘车。",
            "傍晚的时候，河边的灯陆续亮起来，风景特别美。",
            "工作日游客不算多，热门景点也不用排太久的队。",
            "当地人说话很直爽，问路的时候都很耐心地给我们指方向。",
            "老街两边的房子大多保留了原来的样子，很多老房子被改成了咖啡馆和书店。",
            "晚上回民宿的路上，还能听到巷子里有人在拉二胡。",
        ]),
        (3, [
            "当地的{food}一定要尝一尝，味道和在外地吃到的完全不一样。",
            "我们在一家开了几十年的老店吃了早餐，价格便宜，分量也很足。",
            "夜市从晚上七点开始热闹起来，一路走一路吃，不知不觉就吃饱了。",
            "有些网红店排队的人太多，其实旁边不起眼的小店味道也很好。",
            "这里的口味偏{taste}，不太能吃{taste}的朋友点菜时可以提前跟店家说。",
            "离开之前，我们还在市场买了一些当地的特产带回去送给家人。",
            "街角的水果摊很便宜，每天早上我们都会买一些当季的水果。",
            "我们还报名参加了一个当地的小吃课程，学会了做一道简单的点心。",
        ]),
        (3, [
            "第二天一早我们去了博物馆，展品很丰富，讲解也很详细，建议预留半天时间。",
            "登上附近的小山，可以看到整个城市的全貌。",
            "有一天下雨，我们就在茶馆里坐了一个下午，听当地人聊天，也很惬意。",
            "郊外有一个不大的古镇，坐公交车一个小时左右就能到。",
            "公园里有很多晨练的老人，有的打太极，有的唱歌，很有生活气息。",
            "晚上沿着河边散步，一边吹风一边看夜景，是这次旅行中最放松的时刻。",
            "城里有一座不大的植物园，门票很便宜，适合下午去散散步。",
            "我们在一位当地向导的带领下走了一段老城墙，听他讲了很多关于这座城市的故事。",
        ]),
        (2, [
            "总的来说，{city}是一个节奏很慢、很适合放松的城市。",
            "建议穿一双舒服的鞋子，因为这几天我们每天都走了两万多步。",
            "住宿最好提前预订，节假日的价格会比平时高不少。",
            "下次有机会的话，我还想换个季节再来一次。",
            "如果时间充裕，可以多留一两天，慢慢感受这座城市的生活。",
        ]),
    ],
)

ZH_RECIPE = Genre(
    name="recipe",
    joiner="",
    titles=["家常{dish}的做法", "{dish}：简单又下饭", "跟妈妈学做{dish}", "周末在家做{dish}"],
    topics=[
        {"dish": "土豆炖牛肉", "main": "牛肉", "veg": "土豆", "time": "一个半小时",
         "ingredients": "准备牛腩五百克、土豆两个、胡萝卜一根、葱一段、姜三片、八角两个，以及生抽、老抽和冰糖各适量。"},
        {"dish": "红烧排骨", "main": "排骨", "veg": "土豆", "time": "一个小时",
         "ingredients": "准备猪肋排五百克、葱一段、姜三片、八角一个、桂皮一小块，以及生抽、老抽、料酒和冰糖各适量。"},
        {"dish": "萝卜炖牛腩", "main": "牛腩", "veg": "白萝卜", "time": "一个半小时",
         "ingredients": "准备牛腩五百克、白萝卜半根、葱一段、姜三片、八角两个，以及生抽、盐和少许胡椒粉。"},
        {"dish": "红烧肉", "main": "五花肉", "veg": "鹌鹑蛋", "time": "一个小时",
         "ingredients": "准备带皮五花肉五百克、葱一段、姜三片、八角两个，以及料酒、生抽、老抽和冰糖各适量。"},
        {"dish": "香菇炖鸡", "main": "鸡块", "veg": "香菇", "time": "五十分钟",
         "ingredients": "准备鸡腿肉五百克、干香菇八朵、葱一段、姜三片，以及料酒、生抽和盐各适量。"},
        {"dish": "番茄牛腩", "main": "牛腩", "veg": "番茄", "time": "一个半小时",
         "ingredients": "准备牛腩五百克、番茄三个、洋葱半个、姜三片，以及番茄酱一勺、生抽和盐各适量。"},
        {"dish": "板栗烧鸡", "main": "鸡块", "veg": "板栗", "time": "五十分钟",
         "ingredients": "准备鸡块五百克、去壳板栗二百克、葱一段、姜三片，以及料酒、生抽、老抽和冰糖各适量。"},
    ],
    sections=[
        (3, [
            "今天跟大家分享一道家常菜：{dish}。",
            "{dish}做法简单，味道却很下饭，特别适合工作日的晚餐。",
            "这道菜是我母亲的拿手菜，我照着她的方法做了很多次。",
            "整个过程大约需要{time}，大部分时间都是小火慢炖，不需要一直守着。",
            "食材在普通超市就能买到，新手也可以轻松完成。",
            "每到天气转凉，我就特别想吃这道{dish}。",
        ]),
        (1, "ingredients"),
        (6, [
            "先把{main}切成大小均匀的块，用清水浸泡半小时，去掉血水。",
            "锅中加冷水，放入{main}和几片姜，大火煮开后撇去浮沫，捞出沥干。",
            "另起一锅，倒入少许油，放入葱段、姜片和八角炒出香味。",
            "!把{main}倒进锅里翻炒几分钟，直到表面微微发黄。",
            "加入生抽、老抽和少许冰糖，翻炒均匀，让每一块都裹上酱色。",
            "!倒入没过食材的热水，大火烧开后转小火，盖上锅盖慢慢炖。",
            "炖到一半的时候放入{veg}，继续炖到软烂入味。",
            "最后开大火收汁，尝一下咸淡，根据口味加少许盐调味。",
            "炖的过程中每隔二十分钟翻动一次，防止粘锅。",
            "关火后不要马上开盖，焖十分钟左右会更入味。",
        ]),
        (3, [
            "焯水这一步不要省略，可以去掉腥味，汤汁也会更清爽。",
            "炖的时候一定要加热水，加冷水会让肉变柴。",
            "如果喜欢吃辣，可以在炒香料的时候加几个干辣椒。",
            "一次多做一些，放进冰箱冷藏，第二天热一热味道更好。",
            "冰糖可以让颜色更红亮，不过不要放太多，以免太甜。",
            "老抽主要用来上色，放一点点就够了。",
            "用砂锅或者铸铁锅来炖，受热更均匀，味道也更好。",
        ]),
        (1, [
            "出锅后撒一点葱花，配一碗白米饭，就是一顿很满足的晚饭。",
            "做法真的不难，大家周末有空可以试一试。",
            "家里人都很喜欢这道菜，每次做都吃得干干净净。",
        ]),
    ],
)

ZH_TECH = Genre(
    name="tech",
    joiner="",
    titles=["{product}使用{period}后的真实感受", "{product}评测：值不值得买", "换了新的{product}，聊聊优缺点"],
    slots={
        "period": ["一个月", "两个月", "三周", "半年"],
        "price": ["三百", "五百", "八百", "一千二"],
    },
    topics=[
        {"product": "无线耳机", "features": [
            "续航表现不错，单次充电可以连续听歌七个小时左右。",
            "降噪效果比较明显，坐地铁的时候周围的噪音小了很多。",
            "佩戴很稳，跑步的时候也不容易掉。",
            "通话时对方说我的声音很清楚，开视频会议也够用。",
        ]},
        {"product": "智能手表", "features": [
            "屏幕在阳光下也看得很清楚，抬手就能看时间和消息。",
            "睡眠监测的数据比较详细，可以看到深睡和浅睡的时间。",
            "一次充满电大概能用十天，出差的时候不用带充电器。",
            "运动模式很多，跑步、游泳和骑行都能记录。",
        ]},
        {"product": "移动电源", "features": [
            "容量是一万毫安时，给手机充两次完全没有问题。",
            "体积不大，放在包里几乎感觉不到重量。",
            "支持快充，手机半个小时就能充到一半以上。",
            "有两个输出口，可以同时给手机和耳机充电。",
        ]},
        {"product": "机械键盘", "features": [
            "按键手感清脆，长时间打字手指也不容易累。",
            "支持有线和蓝牙两种连接方式，可以在电脑和平板之间切换。",
            "键帽的字符是双色注塑的，用久了也不会磨掉。",
            "背光有好几种模式，晚上在光线暗的地方打字也很方便。",
        ]},
        {"product": "扫地机器人", "features": [
            "可以在手机上设定清扫时间和区域，出门前设置好，回家地面就干净了。",
            "遇到台阶会自动停下，从来没有从楼梯上掉下去过。",
            "吸力比较强，地毯上的头发和灰尘也能吸干净。",
            "电量低的时候会自己回去充电，充好后接着扫。",
        ]},
    ],
    sections=[
        (3, [
            "用了{period}的{product}，今天来聊聊真实的使用感受。",
            "之前用的{product}坏了，对比了好几款之后，最后选了这一款。",
            "这款{product}的价格在{price}元左右，定位属于中端。",
            "先说结论：如果预算有限，这款产品很值得考虑。",
            "买之前我在网上看了不少评测，也去实体店试用过。",
            "这篇文章不是广告，所有费用都是我自己出的。",
        ]),
        (3, "features"),
        (3, [
            "优点是做工扎实，外观简洁，放在桌上也不会显得突兀。",
            "说明书写得很清楚，第一次使用也不需要上网查教程。",
            "缺点是配套的应用有时候反应比较慢，希望以后能通过更新改善。",
            "包装比较简单，没有多余的配件，这一点见仁见智。",
            "售后服务还不错，我咨询过一次问题，客服很快就回复了。",
            "重量控制得不错，长时间使用也不会觉得累。",
            "价格偶尔会有优惠，赶上活动的时候买更划算。",
        ]),
        (1, [
            "总体来说，我对这款产品比较满意，适合大多数普通用户。",
            "如果你对细节要求很高，可以再看看更贵一点的型号。",
            "以上只是我个人的使用体验，仅供大家参考。",
        ]),
    ],
)

ZH_GENRES = [ZH_TRAVEL, ZH_RECIPE, ZH_TECH]

DE_TRAVEL = Genre(
    name="travel",
    titles=[
        "{tage} Tage in {stadt}: ein kleiner Reisebericht",
        "Ein Wochenende in {stadt}",
        "{stadt} zu Fuß entdecken",
        "Was uns in {stadt} gefallen hat und was nicht",
    ],
    slots={
        "stadt": ["Lübeck", "Bamberg", "Regensburg", "Görlitz", "Quedlinburg", "Freiburg", "Lüneburg", "Erfurt",
                  "Konstanz", "Würzburg", "Stralsund", "Passau"],
        "monat": ["April", "Mai", "Juni", "September", "Oktober"],
        "jahreszeit": ["Frühjahr", "Herbst", "Sommer"],
        "stunden": ["drei", "vier", "fünf"],
        "tage": ["Drei", "Vier", "Fünf"],
        "gericht": ["Kartoffelsuppe", "Flammkuchen", "Zwiebelkuchen", "Käsespätzle", "Fischsuppe", "Sauerbraten"],
        "preis": ["fünfzig", "sechzig", "siebzig"],
    },
    sections=[
        (2, [
            "Im {monat} haben wir ein verlängertes Wochenende in {stadt} verbracht, und das Wetter hat größtenteils mitgespielt.",
            "{stadt} stand schon lange auf meiner Liste, und in diesem {jahreszeit} hat es endlich geklappt.",
            "Wir sind mit dem Zug angereist, was von unserem Wohnort aus etwa {stunden} Stunden gedauert hat.",
            "Hier ein kurzer Bericht über unsere Reise, vor allem für alle, die etwas Ähnliches planen.",
            "Ohne festen Plan, nur mit einem Stadtplan und bequemen Schuhen, haben wir uns die Stadt angesehen.",
        ]),
        (3, [
            "Die Altstadt ist überschaubar und lässt sich gut zu Fuß erkunden.",
            "Unsere Ferienwohnung lag in einer ruhigen Seitenstraße, nur wenige Minuten vom Marktplatz entfernt.",
            "Gleich am ersten Abend sind wir am Fluss entlang spaziert und haben den Sonnenuntergang genossen.",
            "Viele der alten Häuser sind liebevoll restauriert, und in den Erdgeschossen gibt es kleine Läden und Cafés.",
            "Die Busse fahren tagsüber alle zehn Minuten, abends allerdings deutlich seltener.",
            "Am Wochenende war die Innenstadt recht voll, unter der Woche dagegen angenehm ruhig.",
            "Die Menschen waren durchweg freundlich und haben uns gern Tipps für Restaurants gegeben.",
        ]),
        (2, [
            "Am besten hat uns ein kleines Gasthaus gefallen, in dem es {gericht} nach einem alten Familienrezept gab.",
            "Zum Frühstück gab es jeden Morgen frische Brötchen vom Bäcker gegenüber.",
            "Der Wochenmarkt am Samstagvormittag ist ein echtes Erlebnis, auch wenn man nichts kaufen möchte.",
            "Die Preise in den Restaurants waren moderat, für ein Abendessen zu zweit haben wir etwa {preis} Euro bezahlt.",
            "Abends haben wir oft nur eine Kleinigkeit gegessen und den Tag auf einer Bank am Wasser ausklingen lassen.",
            "In einer kleinen Konditorei haben wir den besten Kuchen der ganzen Reise gegessen.",
        ]),
        (2, [
            "Das Stadtmuseum ist klein, aber sehr gut gemacht und erzählt viel über die Geschichte der Region.",
            "Vom Kirchturm aus hat man einen wunderbaren Blick über die Dächer der Altstadt.",
            "An einem Tag haben wir Fahrräder geliehen und sind am Fluss entlang in das nächste Dorf geradelt.",
            "Eine Stadtführung lohnt sich, denn man erfährt viele Geschichten, die in keinem Reiseführer stehen.",
            "Als es einen Nachmittag lang geregnet hat, haben wir uns in ein gemütliches Café zurückgezogen.",
            "Der Schlossgarten ist besonders am frühen Morgen schön, wenn noch kaum jemand unterwegs ist.",
        ]),
        (2, [
            "Insgesamt war {stadt} ein sehr schönes Reiseziel für ein paar entspannte Tage.",
            "Bequeme Schuhe sind Pflicht, denn das Kopfsteinpflaster ist auf Dauer anstrengend.",
            "Beim nächsten Mal würden wir einen Tag länger bleiben und mehr von der Umgebung sehen.",
            "Wer in der Hauptsaison reist, sollte die Unterkunft unbedingt früh buchen.",
            "Wir kommen bestimmt wieder, vielleicht dann im Winter zum Weihnachtsmarkt.",
        ]),
    ],
)

DE_RECIPE = Genre(
    name="recipe",
    titles=["{gericht} wie bei Oma", "Einfaches Rezept: {gericht}", "{gericht} für kalte Tage", "Mein Lieblingsrezept für {gericht}"],
    topics=[
        {"gericht": "Linseneintopf", "haupt": "die Linsen", "gemuese": "Karotten und Sellerie", "kraut": "frische Petersilie", "zeit": "eine Stunde",
         "ingredients": "Für vier Personen braucht man 250 Gramm Tellerlinsen, zwei Karotten, ein Stück Sellerie, zwei Kartoffeln, eine Zwiebel, einen Liter Gemüsebrühe und etwas Essig."},
        {"gericht": "Kartoffelsuppe", "haupt": "die Kartoffeln", "gemuese": "Lauch und Karotten", "kraut": "frischen Schnittlauch", "zeit": "etwa 45 Minuten",
         "ingredients": "Für vier Personen braucht man ein Kilo mehligkochende Kartoffeln, eine Stange Lauch, zwei Karotten, eine Zwiebel, einen Liter Brühe und einen Becher Sahne."},
        {"gericht": "Rindergulasch", "haupt": "das Rindfleisch", "gemuese": "Paprika und Zwiebeln", "kraut": "etwas Petersilie", "zeit": "gut zwei Stunden",
         "ingredients": "Für vier Personen braucht man ein Kilo Rindfleisch aus der Schulter, vier große Zwiebeln, zwei rote Paprika, zwei Esslöffel Paprikapulver, Tomatenmark und einen halben Liter Brühe."},
        {"gericht": "Kürbissuppe", "haupt": "den Kürbis", "gemuese": "Kürbis und Kartoffeln", "kraut": "ein paar Kürbiskerne", "zeit": "etwa 40 Minuten",
         "ingredients": "Für vier Personen braucht man einen Hokkaido-Kürbis, eine Kartoffel, eine Zwiebel, ein Stück Ingwer, 800 Milliliter Gemüsebrühe und etwas Kokosmilch."},
        {"gericht": "Erbsensuppe", "haupt": "die getrockneten Erbsen", "gemuese": "Karotten und Lauch", "kraut": "frischen Majoran", "zeit": "knapp zwei Stunden",
         "ingredients": "Für vier Personen braucht man 400 Gramm getrocknete Schälerbsen, zwei Karotten, eine Stange Lauch, zwei Kartoffeln, eine Zwiebel und etwas Majoran."},
        {"gericht": "Gemüseeintopf", "haupt": "das Gemüse", "gemuese": "Bohnen, Karotten und Wirsing", "kraut": "frische Petersilie", "zeit": "etwa 50 Minuten",
         "ingredients": "Für vier Personen braucht man grüne Bohnen, drei Karotten, einen kleinen Wirsing, drei Kartoffeln, eine Zwiebel und einen Liter Gemüsebrühe."},
    ],
    sections=[
        (2, [
            "{gericht} ist bei uns ein echter Klassiker, vor allem an kalten Tagen.",
            "Das Rezept stammt von meiner Großmutter, ich habe es nur ein wenig abgewandelt.",
            "Insgesamt braucht man {zeit}, wobei der Topf die meiste Zeit allein vor sich hin köchelt.",
            "Man braucht keine besonderen Geräte, ein großer Topf mit Deckel genügt.",
            "Die Zutaten bekommt man in jedem Supermarkt, und vieles hat man ohnehin im Vorrat.",
        ]),
        (1, "ingredients"),
        (5, [
            "Zuerst die Zwiebel und den Knoblauch schälen und fein würfeln.",
            "{gemuese} waschen, schälen und in mundgerechte Stücke schneiden.",
            "In einem großen Topf etwas Öl erhitzen und die Zwiebeln darin glasig dünsten.",
            "!{Haupt} dazugeben und kurz mitbraten, dabei gelegentlich umrühren.",
            "!Mit der Brühe ablöschen, alles einmal aufkochen lassen und dann die Hitze reduzieren.",
            "Alles bei geschlossenem Deckel köcheln lassen, bis das Gemüse schön weich ist.",
            "Zwischendurch umrühren und bei Bedarf etwas heißes Wasser nachgießen.",
            "Zum Schluss mit Salz, Pfeffer und einem Spritzer Essig abschmecken.",
        ]),
        (2, [
            "Am nächsten Tag schmeckt es oft sogar noch besser, weil die Aromen Zeit hatten, sich zu verbinden.",
            "Wer es deftiger mag, kann ein paar Scheiben Räucherwurst mitkochen.",
            "Reste lassen sich problemlos einfrieren und bei Bedarf langsam wieder erwärmen.",
            "Ein Klecks saure Sahne obendrauf macht das Ganze noch etwas cremiger.",
            "Die Zwiebeln sollten nicht zu dunkel werden, sonst schmeckt das Gericht schnell bitter.",
        ]),
        (1, [
            "Vor dem Servieren mit {kraut} bestreuen, dazu passt frisches Bauernbrot.",
            "Guten Appetit, und viel Spaß beim Nachkochen!",
            "Probiert es einfach aus und schreibt mir gern, wie es euch geschmeckt hat.",
        ]),
    ],
)

DE_HOWTO = Genre(
    name="howto",
    titles=["So geht's: {aufgabe}", "Anleitung: {aufgabe}", "{aufgabe} in wenigen Schritten"],
    topics=[
        {"aufgabe": "Fahrradkette reinigen und ölen",
         "intro": [
             "Eine saubere Kette läuft leiser, schaltet besser und hält deutlich länger.",
             "Je nach Wetter sollte man die Kette alle paar Wochen reinigen, nach Regenfahrten auch öfter.",
             "Man braucht nur einen Lappen, eine alte Zahnbürste, etwas Entfetter und Kettenöl.",
         ],
         "steps": [
             "Das Fahrrad am besten in einen Montageständer hängen oder umgedreht auf Sattel und Lenker stellen.",
             "Den groben Schmutz mit einem trockenen Lappen abwischen, während man die Kurbel rückwärts dreht.",
             "Mit der Zahnbürste und etwas Entfetter die Kettenglieder und die Ritzel gründlich säubern.",
             "Die Kette mit klarem Wasser abspülen und anschließend gut trocknen lassen.",
             "Auf jedes Kettenglied einen kleinen Tropfen Öl geben und die Kurbel ein paar Runden drehen.",
             "Überschüssiges Öl nach einigen Minuten mit einem sauberen Lappen abwischen.",
         ],
         "tips": [
             "Zu viel Öl zieht Schmutz an, deshalb lieber sparsam ölen.",
             "Mit einer Kettenlehre kann man gleichzeitig prüfen, ob die Kette schon verschlissen ist.",
             "Kein Hochdruckreiniger verwenden, denn das Wasser drückt das Fett aus den Lagern.",
         ]},
        {"aufgabe": "Zimmerpflanzen umtopfen",
         "intro": [
             "Die meisten Zimmerpflanzen brauchen alle ein bis zwei Jahre einen größeren Topf.",
             "Der beste Zeitpunkt ist das Frühjahr, wenn die Pflanzen wieder zu wachsen beginnen.",
             "Man braucht einen etwas größeren Topf, frische Erde und eine Unterlage gegen den Schmutz.",
         ],
         "steps": [
             "Die Pflanze am Vortag gießen, damit sich der Wurzelballen leichter löst.",
             "Einen neuen Topf wählen, der nur zwei bis drei Zentimeter größer ist als der alte.",
             "Die Pflanze vorsichtig aus dem alten Topf ziehen und lose Erde abschütteln.",
             "Braune oder matschige Wurzeln mit einer sauberen Schere abschneiden.",
             "Etwas frische Erde in den neuen Topf geben, die Pflanze einsetzen und die Ränder auffüllen.",
             "Die Erde leicht andrücken und die Pflanze gründlich angießen.",
         ],
         "tips": [
             "Ein zu großer Topf hält zu viel Feuchtigkeit und kann zu Wurzelfäule führen.",
             "Kakteen brauchen spezielle, durchlässige Erde.",
             "Nach dem Umtopfen einige Wochen lang nicht düngen.",
         ]},
        {"aufgabe": "Wasserkocher entkalken",
         "intro": [
             "In Gegenden mit hartem Wasser bildet sich schon nach wenigen Wochen eine weiße Kalkschicht.",
             "Kalk verlängert die Kochzeit und verbraucht unnötig Strom.",
             "Zum Entkalken reichen Zitronensäure oder einfacher Haushaltsessig.",
         ],
         "steps": [
             "Den Wasserkocher zur Hälfte mit Wasser füllen und zwei Esslöffel Zitronensäure hineingeben.",
             "Die Lösung einmal aufkochen lassen und dann etwa eine halbe Stunde einwirken lassen.",
             "Die Flüssigkeit ausgießen und hartnäckige Reste mit einer weichen Bürste entfernen.",
             "Den Wasserkocher mit klarem Wasser füllen, aufkochen und das Wasser weggießen.",
             "Diesen Schritt noch einmal wiederholen, damit kein Geschmack zurückbleibt.",
             "Das Gerät außen mit einem feuchten Tuch abwischen und gut trocknen.",
         ],
         "tips": [
             "Regelmäßiges Entkalken, etwa einmal im Monat, macht die Arbeit viel leichter.",
             "Den Wasserkocher niemals ins Wasser tauchen oder in die Spülmaschine stellen.",
             "Ein Wasserfilter verlangsamt die Kalkbildung spürbar.",
         ]},
    ],
    sections=[
        (2, "intro"),
        (4, "steps"),
        (2, "tips"),
        (1, [
            "Mit etwas Übung dauert das Ganze nur noch wenige Minuten.",
            "Wer es einmal selbst gemacht hat, braucht dafür keine fremde Hilfe mehr.",
            "Bei Fragen einfach einen Kommentar hinterlassen, wir helfen gern weiter.",
        ]),
    ],
)

DE_GENRES = [DE_TRAVEL, DE_RECIPE, DE_HOWTO]

FR_TRAVEL = Genre(
    name="travel",
    titles=[
        "{jours} jours à {ville} : carnet de voyage",
        "Un week-end à {ville}",
        "Découvrir {ville} à pied",
        "Ce que nous avons aimé à {ville}",
    ],
    slots={
        "ville": ["Annecy", "Colmar", "Dinan", "Sarlat", "Nancy", "Albi", "Uzès", "Honfleur", "Besançon", "Arles", "Pau", "Saint-Malo"],
        "mois": ["avril", "mai", "juin", "septembre", "octobre"],
        "jours": ["Trois", "Quatre", "Cinq"],
        "plat": ["une soupe de poisson", "un confit de canard", "une tarte aux légumes", "une galette complète", "un poulet rôti aux herbes"],
        "prix": ["cinquante", "soixante", "soixante-dix"],
    },
    sections=[
        (2, [
            "Nous avons passé quelques jours à {ville} au mois de {mois}, et le temps a été plutôt clément.",
            "Cela faisait longtemps que je voulais découvrir {ville}, et j'ai enfin pris le temps d'y aller cette année.",
            "Nous sommes arrivés en train un vendredi soir, un peu fatigués mais très curieux de découvrir la ville.",
            "Voici un petit compte rendu de notre séjour, surtout pour ceux qui hésitent encore à s'y rendre.",
            "Sans programme précis, nous avons surtout flâné dans les rues en nous laissant guider par nos envies.",
        ]),
        (3, [
            "Le centre historique est assez petit pour être visité entièrement à pied.",
            "Notre chambre d'hôtes se trouvait dans une rue calme, à cinq minutes de la place principale.",
            "Dès le premier soir, nous avons longé la rivière jusqu'au coucher du soleil.",
            "Beaucoup de maisons anciennes ont été restaurées avec soin, et on y trouve de petites boutiques et des cafés.",
            "Le marché couvert vaut vraiment le détour, même si l'on n'a rien à acheter.",
            "En semaine, les rues étaient agréablement calmes, alors que le samedi il y avait beaucoup plus de monde.",
            "Les habitants se sont toujours montrés accueillants et nous ont donné de bonnes adresses.",
        ]),
        (2, [
            "Notre meilleur repas a été {plat} dans un petit restaurant familial près de l'église.",
            "Le matin, nous prenions un café et un croissant au comptoir, comme les habitués.",
            "Les prix étaient raisonnables, et un dîner à deux nous a coûté environ {prix} euros.",
            "Il vaut mieux réserver le soir, car les bonnes tables sont vite complètes.",
            "Nous avons rapporté du fromage, du miel et quelques biscuits de la boulangerie du coin.",
            "Le soir, nous dînions souvent sur une terrasse en regardant passer les gens.",
        ]),
        (2, [
            "Le musée municipal est petit mais très bien conçu, et il raconte l'histoire de la région de façon vivante.",
            "Du haut du clocher, la vue sur les toits de la vieille ville est magnifique.",
            "Un jour, nous avons loué des vélos pour suivre la piste cyclable le long de l'eau.",
            "La visite guidée proposée par l'office de tourisme nous a appris beaucoup d'anecdotes.",
            "Quand il a plu tout un après-midi, nous nous sommes réfugiés dans une librairie avec un petit salon de thé.",
            "Le jardin public est particulièrement agréable tôt le matin, quand il n'y a presque personne.",
        ]),
        (2, [
            "Dans l'ensemble, {ville} est une destination idéale pour quelques jours de détente.",
            "Prévoyez de bonnes chaussures, car les pavés deviennent vite fatigants.",
            "La prochaine fois, nous resterons un jour de plus pour explorer les environs.",
            "En haute saison, mieux vaut réserver son hébergement longtemps à l'avance.",
            "Nous y retournerons sans hésiter, peut-être en hiver cette fois.",
        ]),
    ],
)

FR_RECIPE = Genre(
    name="recipe",
    titles=["Ma recette de {plat}", "{Plat} facile pour tous les jours", "{Plat} comme chez ma grand-mère", "Recette réconfortante : {plat}"],
    topics=[
        {"plat": "soupe de lentilles corail", "principal": "les lentilles", "legumes": "les carottes", "temps": "quarante minutes",
         "ingredients": "Pour quatre personnes, il faut 250 grammes de lentilles corail, deux carottes, un oignon, deux gousses d'ail, un litre de bouillon de légumes et un peu de cumin."},
        {"plat": "velouté de potiron", "principal": "le potiron", "legumes": "le potiron et les pommes de terre", "temps": "trois quarts d'heure",
         "ingredients": "Pour quatre personnes, il faut un kilo de potiron, deux pommes de terre, un oignon, 80 centilitres de bouillon et un peu de crème fraîche."},
        {"plat": "bœuf aux carottes", "principal": "la viande", "legumes": "les carottes", "temps": "deux heures et demie",
         "ingredients": "Pour six personnes, il faut un kilo de bœuf à braiser, un kilo de carottes, deux oignons, un bouquet garni, un verre de vin blanc et un demi-litre de bouillon."},
        {"plat": "potée de légumes d'hiver", "principal": "les légumes", "legumes": "le chou, les navets et les carottes", "temps": "une heure et demie",
         "ingredients": "Pour six personnes, il faut un petit chou vert, quatre carottes, trois navets, quatre pommes de terre, un oignon et un morceau de lard fumé."},
        {"plat": "poulet mijoté aux champignons", "principal": "les morceaux de poulet", "legumes": "les champignons", "temps": "une heure",
         "ingredients": "Pour quatre personnes, il faut quatre cuisses de poulet, 300 grammes de champignons de Paris, deux échalotes, un verre de vin blanc et un peu de crème."},
        {"plat": "soupe de pois cassés", "principal": "les pois cassés", "legumes": "les carottes et le poireau", "temps": "une heure et quart",
         "ingredients": "Pour quatre personnes, il faut 300 grammes de pois cassés, deux carottes, un poireau, un oignon, un litre et demi d'eau et quelques croûtons."},
    ],
    sections=[
        (2, [
            "Voici ma recette de {plat}, un classique de la maison dès que les jours raccourcissent.",
            "C'est une recette très simple, idéale pour un dîner en semaine.",
            "Ma grand-mère la préparait tous les dimanches, et je n'ai presque rien changé.",
            "Comptez environ {temps} en tout, mais la cuisson se fait presque toute seule.",
            "Les ingrédients se trouvent facilement, et on a souvent déjà l'essentiel dans ses placards.",
        ]),
        (1, "ingredients"),
        (5, [
            "Épluchez et émincez l'oignon et l'ail.",
            "Lavez et coupez {legumes} en morceaux de taille égale.",
            "Faites chauffer un filet d'huile d'olive dans une grande cocotte et faites revenir l'oignon à feu doux.",
            "!Ajoutez {principal} et laissez revenir quelques minutes en remuant.",
            "!Versez le bouillon chaud, portez à ébullition puis baissez le feu.",
            "Couvrez et laissez mijoter doucement jusqu'à ce que tout soit bien tendre.",
            "Remuez de temps en temps et ajoutez un peu d'eau chaude si nécessaire.",
            "Goûtez, puis rectifiez l'assaisonnement avec du sel et du poivre.",
        ]),
        (2, [
            "Ce plat est encore meilleur le lendemain, une fois que les saveurs se sont bien mélangées.",
            "Une cuillerée de crème fraîche au moment de servir le rend plus onctueux.",
            "Les restes se congèlent très bien, il suffit de les réchauffer doucement.",
            "Ne faites pas brunir l'oignon trop vite, c'est lui qui donne toute sa douceur au plat.",
            "Pour une version plus relevée, ajoutez une pincée de piment ou un peu de cumin.",
        ]),
        (1, [
            "Servez bien chaud avec du pain de campagne, et bon appétit.",
            "N'hésitez pas à me dire en commentaire si vous l'avez essayée.",
            "Une recette simple et réconfortante, parfaite pour les soirées d'hiver.",
        ]),
    ],
)

FR_NEWS = Genre(
    name="news",
    titles=["{commune} : le conseil municipal valide le projet de {projet}", "Le projet de {projet} avance à {commune}", "{commune} : ce qu'il faut savoir sur le projet de {projet}"],
    slots={
        "commune": ["Val-de-Brume", "Saint-Hilaire-des-Prés", "Montcerf", "Les Aubiers", "Villeneuve-sur-Ardre"],
        "mois": ["janvier", "février", "mars", "avril", "septembre"],
        "duree": ["six mois", "huit mois", "un an"],
        "elu": ["le maire, Jean-Pierre Morel", "l'adjointe aux travaux, Isabelle Fontaine", "le premier adjoint, Karim Haddad"],
        "habitante": ["Martine Roux", "Sophie Garnier", "Claire Dubois", "Nadia Benali"],
    },
    topics=[
        {"projet": "nouvelle médiathèque", "cout": "3,8 millions d'euros"},
        {"projet": "piste cyclable", "cout": "650 000 euros"},
        {"projet": "rénovation du pont", "cout": "1,2 million d'euros"},
        {"projet": "marché de producteurs", "cout": "35 000 euros"},
        {"projet": "réfection de la toiture de l'école", "cout": "480 000 euros"},
    ],
    sections=[
        (1, [
            "Le conseil municipal de {commune} a approuvé mardi soir le projet de {projet}, après un long débat.",
            "Le projet de {projet} à {commune} franchit une nouvelle étape cette semaine.",
            "Après plus d'un an de concertation, les élus de {commune} ont donné leur feu vert au projet de {projet}.",
        ]),
        (3, [
            "Le coût des travaux est estimé à {cout}, financés en grande partie par une subvention régionale.",
            "Les travaux devraient commencer au mois de {mois} et durer environ {duree}.",
            "Plus de six cents habitants ont participé à la consultation publique organisée au printemps.",
            "Une première version du projet avait été rejetée il y a deux ans en raison de son coût.",
            "La mairie assure que la gêne pour les riverains sera limitée au maximum.",
        ]),
        (1, [
            "« C'est une demande ancienne des habitants, et nous sommes heureux d'y répondre », a déclaré {elu}.",
            "« Nous avons écouté les remarques de chacun, et le projet final en tient compte », a expliqué {elu}.",
            "Selon {elu}, la commune a beaucoup appris de la consultation et remercie les habitants qui y ont participé.",
        ]),
        (1, [
            "{habitante}, qui vit dans la commune depuis trente ans, se dit satisfaite mais attend de voir les détails.",
            "« J'espère simplement que les délais seront respectés cette fois-ci », confie {habitante}.",
            "{habitante}, commerçante du centre-bourg, craint surtout pour l'accès des clients pendant les travaux.",
        ]),
        (2, [
            "Une réunion publique sera organisée le mois prochain à la salle des fêtes pour présenter les plans.",
            "Certains riverains s'inquiètent toutefois du stationnement et du bruit pendant le chantier.",
            "L'opposition municipale s'interroge sur les frais de fonctionnement à long terme.",
            "Le calendrier détaillé des travaux sera affiché en mairie dans les prochaines semaines.",
        ]),
    ],
)

FR_GENRES = [FR_TRAVEL, FR_RECIPE, FR_NEWS]

ES_TRAVEL = Genre(
    name="travel",
    titles=[
        "{dias} días en {ciudad}: diario de viaje",
        "Un fin de semana en {ciudad}",
        "Descubriendo {ciudad} a pie",
        "Lo que más nos gustó de {ciudad}",
    ],
    slots={
        "ciudad": ["Cáceres", "Cuenca", "Oviedo", "Cádiz", "Teruel", "Girona", "Salamanca", "Úbeda", "Lugo", "Segovia", "Ronda", "Albarracín"],
        "mes": ["abril", "mayo", "septiembre", "octubre", "noviembre"],
        "dias": ["Tres", "Cuatro", "Cinco"],
        "plato": ["un guiso de garbanzos", "unas migas", "un arroz con verduras", "una sopa de ajo", "un cocido casero"],
        "precio": ["cuarenta", "cincuenta", "sesenta"],
    },
    sections=[
        (2, [
            "Pasamos unos días en {ciudad} a finales de {mes} y el tiempo nos acompañó casi todo el viaje.",
            "Hacía años que quería conocer {ciudad}, y este año por fin encontré el momento.",
            "Llegamos en autobús un viernes por la tarde, cansados pero con muchas ganas de pasear.",
            "Aquí dejo un pequeño resumen del viaje, sobre todo para quien esté pensando en ir.",
            "Fuimos sin un plan fijo, con un mapa de papel y zapatos cómodos, y fue todo un acierto.",
        ]),
        (3, [
            "El casco antiguo es pequeño y se recorre muy bien a pie.",
            "Nuestro alojamiento estaba en una calle tranquila, a cinco minutos de la plaza mayor.",
            "La primera tarde paseamos junto al río hasta que se puso el sol.",
            "Muchas casas antiguas están muy bien restauradas y en los bajos hay pequeñas tiendas y cafeterías.",
            "Entre semana las calles estaban tranquilas, pero el sábado había bastante más gente.",
            "La gente fue muy amable y nos recomendó varios sitios para comer.",
            "El autobús urbano pasa con frecuencia y el billete sencillo es muy barato.",
        ]),
        (2, [
            "La mejor comida del viaje fue {plato} en un pequeño restaurante familiar cerca del mercado.",
            "Por las mañanas desayunábamos café con tostadas en un bar de la esquina, como la gente del barrio.",
            "Los precios fueron razonables, y cenar dos personas nos costó unos {precio} euros.",
            "Por la noche salíamos de tapas, y en casi todos los bares te ponían algo para picar con la bebida.",
            "El mercado de abastos merece una visita, aunque no vayas a comprar nada.",
            "Nos trajimos queso, aceite de oliva y unos dulces típicos de un convento.",
        ]),
        (2, [
            "El museo de la ciudad es pequeño pero está muy bien montado y explica bien la historia de la zona.",
            "Desde lo alto del mirador se ve toda la ciudad, y al atardecer la vista es preciosa.",
            "Un día alquilamos bicicletas y seguimos el camino del río hasta el pueblo de al lado.",
            "La visita guiada gratuita de la mañana vale mucho la pena por las historias que cuenta el guía.",
            "Una tarde de lluvia la pasamos en una librería con cafetería y no nos arrepentimos.",
            "Los jardines son especialmente bonitos a primera hora, cuando apenas hay nadie.",
        ]),
        (2, [
            "En resumen, {ciudad} es un destino perfecto para unos días tranquilos.",
            "Llevad calzado cómodo, porque las calles empedradas cansan bastante.",
            "La próxima vez nos quedaremos un día más para conocer los alrededores.",
            "En temporada alta conviene reservar el alojamiento con mucha antelación.",
            "Volveremos seguro, quizá en invierno para verla con otra luz.",
        ]),
    ],
)

ES_RECIPE = Genre(
    name="recipe",
    titles=["Mi receta de {plato}", "Receta fácil de {plato} para cualquier día", "{Plato} de toda la vida", "Receta de {plato} paso a paso"],
    topics=[
        {"plato": "lentejas con verduras", "principal": "las lentejas", "verduras": "la zanahoria y el pimiento", "tiempo": "cincuenta minutos",
         "ingredients": "Para cuatro personas necesitas 300 gramos de lentejas, una zanahoria, medio pimiento rojo, una cebolla, dos dientes de ajo, una patata y una cucharadita de pimentón."},
        {"plato": "garbanzos con espinacas", "principal": "los garbanzos cocidos", "verduras": "las espinacas", "tiempo": "media hora",
         "ingredients": "Para cuatro personas necesitas 500 gramos de garbanzos cocidos, 300 gramos de espinacas frescas, una cebolla, dos dientes de ajo, pan del día anterior y un poco de comino."},
        {"plato": "crema de calabaza", "principal": "la calabaza", "verduras": "la calabaza y la patata", "tiempo": "cuarenta minutos",
         "ingredients": "Para cuatro personas necesitas un kilo de calabaza, una patata, una cebolla, un puerro, 800 mililitros de caldo de verduras y un chorrito de nata."},
        {"plato": "patatas guisadas con costillas", "principal": "las costillas", "verduras": "las patatas y el pimiento", "tiempo": "una hora",
         "ingredients": "Para cuatro personas necesitas medio kilo de costillas de cerdo, un kilo de patatas, un pimiento verde, una cebolla, un tomate maduro y una hoja de laurel."},
        {"plato": "pollo guisado con champiñones", "principal": "el pollo", "verduras": "los champiñones", "tiempo": "cincuenta minutos",
         "ingredients": "Para cuatro personas necesitas un pollo troceado, 300 gramos de champiñones, una cebolla, dos dientes de ajo, un vaso de vino blanco y un poco de caldo."},
    ],
    sections=[
        (2, [
            "Hoy os traigo mi receta de {plato}, un clásico en casa cuando empieza el frío.",
            "Es una receta muy sencilla, perfecta para una cena entre semana.",
            "Mi abuela la preparaba todos los domingos y yo apenas he cambiado nada.",
            "En total se tarda unos {tiempo}, aunque casi todo ese tiempo la olla trabaja sola.",
            "Los ingredientes se encuentran en cualquier supermercado y muchos ya los tendréis en la despensa.",
        ]),
        (1, "ingredients"),
        (5, [
            "Pela y pica finamente la cebolla y el ajo.",
            "Lava y corta {verduras} en trozos del mismo tamaño.",
            "Calienta un chorro de aceite de oliva en una olla grande y sofríe la cebolla a fuego lento.",
            "!Añade {principal} y rehoga unos minutos sin dejar de remover.",
            "!Cubre con el caldo caliente, lleva a ebullición y después baja el fuego.",
            "Tapa la olla y deja que se haga a fuego suave hasta que todo esté tierno.",
            "Remueve de vez en cuando y añade un poco de agua caliente si hace falta.",
            "Prueba y rectifica de sal y pimienta al final.",
        ]),
        (2, [
            "Al día siguiente está todavía más rico, porque los sabores se asientan.",
            "Un chorrito de vinagre al final le da un toque muy fresco.",
            "Se puede congelar sin problema en raciones individuales.",
            "No tengas prisa con el sofrito, porque es la base de todo el sabor.",
            "Si te gusta el picante, añade una guindilla al sofrito.",
        ]),
        (1, [
            "Sírvelo bien caliente con un buen trozo de pan, y a disfrutar.",
            "Si la pruebas, cuéntame en los comentarios qué tal te ha salido.",
            "Una receta sencilla y reconfortante, ideal para los días de invierno.",
        ]),
    ],
)

ES_PRODUCT = Genre(
    name="product",
    titles=["Opinión sincera: {producto} de {marca}", "{producto} de {marca} tras {periodo} de uso", "¿Merece la pena esta {producto}?"],
    slots={
        "marca": ["Brisa", "Casalúa", "Hogarix", "Nórdica"],
        "periodo": ["dos meses", "tres semanas", "medio año"],
        "precio": ["sesenta", "noventa", "ciento veinte", "ciento cincuenta"],
    },
    topics=[
        {"producto": "cafetera de goteo", "features": [
            "Prepara hasta diez tazas y mantiene el café caliente durante una hora.",
            "Se puede programar por la noche para que el café esté listo al levantarse.",
            "El filtro es permanente, así que no hace falta comprar filtros de papel.",
            "La jarra de cristal no gotea al servir, algo que con la anterior era un problema.",
        ]},
        {"producto": "aspiradora sin cable", "features": [
            "La batería dura unos cuarenta minutos en modo normal, suficiente para todo el piso.",
            "Pesa poco y se convierte en aspiradora de mano para el coche o el sofá.",
            "El depósito se vacía con un solo botón, sin tener que tocar la suciedad.",
            "Tiene una luz en el cepillo que ayuda a ver el polvo debajo de los muebles.",
        ]},
        {"producto": "freidora de aire", "features": [
            "La cesta tiene capacidad para unas patatas para tres o cuatro personas.",
            "Las patatas quedan crujientes con una sola cucharada de aceite.",
            "La cesta y la bandeja se pueden meter en el lavavajillas.",
            "Hace poco ruido y apenas huele la cocina mientras funciona.",
        ]},
    ],
    sections=[
        (2, [
            "Después de {periodo} usando esta {producto}, os cuento mi opinión sincera.",
            "Mi antigua {producto} dejó de funcionar y, tras comparar varios modelos, me decidí por esta.",
            "Cuesta alrededor de {precio} euros, un precio medio para este tipo de aparato.",
            "Resumiendo mucho, para un uso normal en casa cumple de sobra.",
        ]),
        (3, "features"),
        (2, [
            "Lo mejor es lo fácil que resulta de usar, casi no hizo falta leer el manual.",
            "El diseño es sencillo y no desentona en la cocina ni en el salón.",
            "Lo peor es que ocupa algo más de espacio de lo que esperaba.",
            "La limpieza es rápida, algo que se agradece en un aparato de uso diario.",
            "El servicio de atención al cliente respondió en menos de un día cuando tuve una duda.",
        ]),
        (1, [
            "En general estoy contenta con la compra y la recomendaría sin dudar.",
            "No es perfecta, pero por lo que cuesta ofrece mucho.",
            "Esta es solo mi experiencia personal, espero que os sirva.",
        ]),
    ],
)

ES_GENRES = [ES_TRAVEL, ES_RECIPE, ES_PRODUCT]

# Languages the sample recipe does not keep: one genre each, enough for a handful of pages.
IT_TRAVEL = Genre(
    name="travel",
    titles=["Un fine settimana a {citta}", "{citta} a piedi: appunti di viaggio", "Tre giorni a {citta}"],
    slots={"citta": ["Mantova", "Lucca", "Trieste", "Ferrara", "Urbino"], "mese": ["aprile", "maggio", "settembre", "ottobre"],
           "prezzo": ["cinquanta", "sessanta", "settanta"]},
    sections=[
        (1, [
            "Abbiamo trascorso un lungo fine settimana a {citta} all'inizio di {mese}, e il tempo è stato quasi sempre bello.",
            "Volevo visitare {citta} da anni, e quest'anno finalmente ci sono riuscita.",
        ]),
        (5, [
            "Il centro storico è piccolo e si gira benissimo a piedi, senza bisogno della macchina.",
            "Il nostro alloggio si trovava in una via tranquilla, a pochi minuti dalla piazza principale.",
            "La prima sera abbiamo passeggiato lungo le mura fino al tramonto.",
            "Il pranzo migliore è stato in una piccola trattoria a conduzione familiare, dove abbiamo mangiato una pasta fatta in casa buonissima.",
            "La mattina facevamo colazione al bancone con un cappuccino e una brioche, come la gente del posto.",
            "Il mercato del sabato vale davvero la pena, anche solo per guardare i banchi di frutta e formaggi.",
            "Il museo civico è piccolo ma ben curato, e racconta la storia della città in modo chiaro.",
            "Un pomeriggio abbiamo noleggiato le biciclette e abbiamo seguito la pista ciclabile lungo il fiume.",
            "I prezzi erano onesti, e una cena per due con il vino ci è costata circa {prezzo} euro.",
        ]),
        (1, [
            "Consiglio scarpe comode, perché le strade lastricate alla lunga stancano, ma {citta} merita ogni passo.",
            "Insomma, {citta} è una meta perfetta per qualche giorno di tranquillità, e ci torneremo sicuramente.",
        ]),
    ],
)

PT_RECIPE = Genre(
    name="recipe",
    titles=["A minha receita de {prato}", "{Prato} simples e reconfortante", "Receita de {prato} passo a passo"],
    slots={"prato": ["sopa de feijão", "caldo de legumes", "sopa de grão com espinafres", "creme de abóbora"]},
    sections=[
        (1, [
            "Hoje partilho a minha receita de {prato}, um clássico lá de casa nos dias mais frios.",
            "É uma receita muito simples, ideal para um jantar durante a semana, e a {prato} fica sempre bem.",
        ]),
        (5, [
            "Comece por descascar e picar a cebola e o alho.",
            "Num tacho grande, aqueça um fio de azeite e deixe a cebola alourar em lume brando.",
            "!Junte os legumes cortados em pedaços e mexa durante alguns minutos.",
            "!Acrescente a água ou o caldo quente, tape e deixe cozinhar até os legumes estarem macios.",
            "Triture metade da sopa para ficar mais cremosa, mas deixe alguns pedaços inteiros.",
            "Prove e retifique o sal no fim, com cuidado para não exagerar.",
            "No dia seguinte fica ainda mais saborosa, porque os sabores apuram.",
            "Se quiser uma versão mais rica, junte um pouco de chouriço às rodelas no início.",
            "A minha avó fazia sempre uma panela grande ao domingo para durar vários dias.",
        ]),
        (1, [
            "Sirva bem quente com um fio de azeite por cima e um pedaço de pão.",
            "Se experimentar, conte-me nos comentários como correu.",
        ]),
    ],
)

NL_TRAVEL = Genre(
    name="travel",
    titles=["Een weekend in {stad}", "{stad} te voet: een kort reisverslag", "Drie dagen {stad}"],
    slots={"stad": ["Deventer", "Zutphen", "Middelburg", "Kampen", "Gouda"], "maand": ["april", "mei", "september", "oktober"],
           "prijs": ["vijftig", "zestig", "zeventig"]},
    sections=[
        (1, [
            "Afgelopen {maand} hebben we een lang weekend in {stad} doorgebracht, en het weer viel gelukkig mee.",
            "We wilden al heel lang een keer naar {stad}, en dit jaar is het er eindelijk van gekomen.",
        ]),
        (5, [
            "De oude binnenstad is klein genoeg om helemaal te voet te verkennen.",
            "Ons hotel lag in een rustige straat, op een paar minuten lopen van de markt.",
            "De eerste avond hebben we langs het water gewandeld tot de zon onderging.",
            "Op zaterdag is er een grote markt met kaas, vis en verse groenten.",
            "We hebben fietsen gehuurd en zijn langs de rivier naar het volgende dorp gefietst.",
            "Het stadsmuseum is klein maar heel goed opgezet en vertelt veel over de geschiedenis van de stad.",
            "In een klein café aan het plein hebben we de lekkerste appeltaart van de hele reis gegeten.",
            "De prijzen vielen mee, want voor een diner voor twee betaalden we ongeveer {prijs} euro.",
            "Overal waren de mensen vriendelijk en behulpzaam, ook toen we voor de derde keer de weg kwijt waren.",
        ]),
        (1, [
            "Neem goede schoenen mee, want de kinderkopjes zijn op den duur vermoeiend.",
            "Al met al is {stad} een heerlijke bestemming voor een paar rustige dagen.",
        ]),
    ],
)

RU_TRAVEL = Genre(
    name="travel",
    titles=["Несколько дней в {city_prep}", "{city}: заметки путешественника", "Выходные в {city_prep}"],
    topics=[
        {"city": "Казань", "city_prep": "Казани"},
        {"city": "Псков", "city_prep": "Пскове"},
        {"city": "Калининград", "city_prep": "Калининграде"},
        {"city": "Ярославль", "city_prep": "Ярославле"},
        {"city": "Владимир", "city_prep": "Владимире"},
    ],
    slots={"month_prep": ["мае", "сентябре", "октябре", "июне"], "price": ["три тысячи", "четыре тысячи", "пять тысяч"]},
    sections=[
        (1, [
            "В {month_prep} мы провели несколько дней в {city_prep}, и погода нас почти не подвела.",
            "Я давно хотела побывать в {city_prep}, и в этом году наконец получилось.",
        ]),
        (5, [
            "Старый центр небольшой, и его легко обойти пешком за один день.",
            "Наша гостиница находилась на тихой улице, в нескольких минутах от главной площади.",
            "В первый же вечер мы гуляли по набережной до самого заката.",
            "Лучший обед был в маленьком семейном кафе, где нам подали домашний суп и свежий хлеб.",
            "По утрам мы пили кофе в небольшой пекарне рядом с гостиницей.",
            "Городской музей небольшой, но очень интересный, особенно зал, посвящённый истории города.",
            "Один день мы взяли велосипеды напрокат и катались вдоль реки.",
            "Цены оказались вполне разумными, и ужин на двоих обошёлся примерно в {price} рублей.",
            "Местные жители были очень приветливы и охотно подсказывали дорогу.",
        ]),
        (1, [
            "Обязательно возьмите удобную обувь, потому что ходить придётся много.",
            "В целом {city} — прекрасное место для спокойного отдыха на несколько дней.",
        ]),
    ],
)

OTHER_GENRES = {"it": IT_TRAVEL, "pt": PT_RECIPE, "nl": NL_TRAVEL, "ru": RU_TRAVEL}
GENRES = {"en": EN_GENRES, "ja": JA_GENRES, "zh": ZH_GENRES, "de": DE_GENRES, "fr": FR_GENRES, "es": ES_GENRES}


# ---------------------------------------------------------------------------------------------------
# Site chrome (navigation, cookie banners, related links, comments, footers), per language
# ---------------------------------------------------------------------------------------------------

CHROME = {
    "en": {
        "nav": ["Home", "Travel", "Food", "Reviews", "Guides", "News", "About", "Contact"],
        "cookie": "We use cookies to improve your experience and to measure traffic. By clicking Accept you agree to our use of cookies as described in our cookie policy.",
        "accept": "Accept all", "settings": "Manage settings", "search": "Search this site",
        "related": "Related articles", "popular": "Most popular", "comments": "Comments",
        "commenters": ["Ruth", "mike_b", "Anna K.", "travelbug", "Joe", "Priya", "Stefan"],
        "comment_texts": ["Great post, thanks for sharing!", "I did the same last year and loved it.", "Bookmarked for later.",
                          "Could you add more photos next time?", "This is exactly what I was looking for.", "Thanks, very helpful.",
                          "Tried it this weekend, worked perfectly."],
        "reply": "Reply", "newsletter": "Newsletter", "newsletter_text": "Get our best stories in your inbox every Friday.",
        "subscribe": "Subscribe", "ad": "Advertisement", "share": "Share this article:", "home": "Home",
        "footer": ["About us", "Advertise", "Privacy policy", "Terms of use", "Cookie settings", "Contact", "Sitemap"],
        "rights": "All rights reserved.", "posted": "Posted on", "read": "min read", "login": "Log in",
    },
    "ja": {
        "nav": ["ホーム", "旅行", "料理", "レビュー", "暮らし", "お知らせ", "運営者情報", "お問い合わせ"],
        "cookie": "当サイトでは、利便性の向上とアクセス解析のためにクッキーを使用しています。「同意する」を押すと、クッキーポリシーに同意したものとみなされます。",
        "accept": "同意する", "settings": "設定を変更", "search": "サイト内検索",
        "related": "関連記事", "popular": "人気の記事", "comments": "コメント",
        "commenters": ["さくら", "たろう", "みかん", "旅好き", "ゆうこ", "けんじ"],
        "comment_texts": ["とても参考になりました！", "私も去年行きました。懐かしいです。", "ブックマークしました。",
                          "次の記事も楽しみにしています。", "写真ももっと見たいです。", "さっそく試してみます。"],
        "reply": "返信", "newsletter": "メールマガジン", "newsletter_text": "毎週金曜日に新着記事をお届けします。",
        "subscribe": "登録する", "ad": "広告", "share": "この記事をシェアする：", "home": "ホーム",
        "footer": ["運営者情報", "広告掲載", "プライバシーポリシー", "利用規約", "お問い合わせ", "サイトマップ"],
        "rights": "無断転載を禁じます。", "posted": "投稿日", "read": "分で読めます", "login": "ログイン",
    },
    "zh": {
        "nav": ["首页", "旅行", "美食", "评测", "生活", "资讯", "关于我们", "联系我们"],
        "cookie": "本网站使用Cookie来改善您的浏览体验并统计访问量。点击“同意”即表示您同意我们的Cookie政策。",
        "accept": "同意", "settings": "管理设置", "search": "站内搜索",
        "related": "相关文章", "popular": "热门文章", "comments": "评论",
        "commenters": ["小王", "旅行者", "阿花", "大鹏", "橙子", "老李"],
        "comment_texts": ["写得很好，谢谢分享！", "我去年也去过，很喜欢。", "收藏了，以后用得上。",
                          "期待下一篇。", "照片能多放几张吗？", "周末就照着试试。"],
        "reply": "回复", "newsletter": "订阅", "newsletter_text": "每周五把精选文章发送到您的邮箱。",
        "subscribe": "立即订阅", "ad": "广告", "share": "分享本文：", "home": "首页",
        "footer": ["关于我们", "广告合作", "隐私政策", "用户协议", "联系我们", "网站地图"],
        "rights": "版权所有。", "posted": "发布于", "read": "分钟阅读", "login": "登录",
    },
    "de": {
        "nav": ["Startseite", "Reisen", "Rezepte", "Ratgeber", "Aktuelles", "Über uns", "Kontakt"],
        "cookie": "Wir verwenden Cookies, um Ihnen ein besseres Nutzungserlebnis zu bieten und die Zugriffe auszuwerten. Mit einem Klick auf Akzeptieren stimmen Sie unserer Cookie-Richtlinie zu.",
        "accept": "Alle akzeptieren", "settings": "Einstellungen", "search": "Suche",
        "related": "Das könnte Sie auch interessieren", "popular": "Meistgelesen", "comments": "Kommentare",
        "commenters": ["Petra", "Uwe K.", "reiselust", "Jana", "Markus"],
        "comment_texts": ["Toller Beitrag, danke fürs Teilen!", "Waren letztes Jahr auch dort, sehr schön.", "Gleich gespeichert.",
                          "Hat bei mir super funktioniert.", "Mehr Fotos wären schön."],
        "reply": "Antworten", "newsletter": "Newsletter", "newsletter_text": "Jeden Freitag die besten Beiträge in Ihrem Postfach.",
        "subscribe": "Abonnieren", "ad": "Anzeige", "share": "Beitrag teilen:", "home": "Startseite",
        "footer": ["Impressum", "Datenschutz", "Nutzungsbedingungen", "Cookie-Einstellungen", "Kontakt", "Mediadaten"],
        "rights": "Alle Rechte vorbehalten.", "posted": "Veröffentlicht am", "read": "Min. Lesezeit", "login": "Anmelden",
    },
    "fr": {
        "nav": ["Accueil", "Voyages", "Recettes", "Actualités", "Vie locale", "À propos", "Contact"],
        "cookie": "Nous utilisons des cookies pour améliorer votre expérience et mesurer l'audience. En cliquant sur Accepter, vous acceptez notre politique relative aux cookies.",
        "accept": "Tout accepter", "settings": "Paramétrer", "search": "Rechercher",
        "related": "À lire aussi", "popular": "Les plus lus", "comments": "Commentaires",
        "commenters": ["Claire", "Julien M.", "voyageuse", "Marc", "Amélie"],
        "comment_texts": ["Merci pour ce partage !", "Nous y étions l'an dernier, superbe souvenir.", "Article enregistré.",
                          "Testé ce week-end, un régal.", "Vivement le prochain article."],
        "reply": "Répondre", "newsletter": "Newsletter", "newsletter_text": "Recevez nos meilleurs articles chaque vendredi.",
        "subscribe": "S'abonner", "ad": "Publicité", "share": "Partager cet article :", "home": "Accueil",
        "footer": ["Mentions légales", "Confidentialité", "Conditions d'utilisation", "Gestion des cookies", "Contact", "Plan du site"],
        "rights": "Tous droits réservés.", "posted": "Publié le", "read": "min de lecture", "login": "Connexion",
    },
    "es": {
        "nav": ["Inicio", "Viajes", "Recetas", "Opiniones", "Actualidad", "Quiénes somos", "Contacto"],
        "cookie": "Utilizamos cookies para mejorar tu experiencia y analizar el tráfico. Al pulsar Aceptar, aceptas nuestra política de cookies.",
        "accept": "Aceptar todo", "settings": "Configurar", "search": "Buscar",
        "related": "Artículos relacionados", "popular": "Lo más leído", "comments": "Comentarios",
        "commenters": ["Lucía", "Javi", "viajera", "Pedro G.", "Marta"],
        "comment_texts": ["¡Gracias por compartirlo!", "Estuvimos el año pasado y nos encantó.", "Me lo guardo.",
                          "La probé el domingo y salió genial.", "¡Esperando el siguiente artículo!"],
        "reply": "Responder", "newsletter": "Boletín", "newsletter_text": "Recibe lo mejor de la semana cada viernes.",
        "subscribe": "Suscribirme", "ad": "Publicidad", "share": "Compartir:", "home": "Inicio",
        "footer": ["Aviso legal", "Privacidad", "Condiciones de uso", "Cookies", "Contacto", "Mapa del sitio"],
        "rights": "Todos los derechos reservados.", "posted": "Publicado el", "read": "min de lectura", "login": "Entrar",
    },
}

# (language, genre) -> (host, site name)
SITES = {
    ("en", "travel"): ("slowroads.example", "Slow Roads"),
    ("en", "recipe"): ("harborkitchen.example", "Harbor Kitchen"),
    ("en", "product"): ("gearnest.example", "Gear Nest"),
    ("en", "forum"): ("fixitforum.example", "FixIt Forum"),
    ("en", "howto"): ("howtohub.example", "HowTo Hub"),
    ("en", "news"): ("valleygazette.example", "The Valley Gazette"),
    ("ja", "travel"): ("tabi-techo.example", "旅の手帖"),
    ("ja", "recipe"): ("okazu-lab.example", "おかずラボ"),
    ("ja", "product"): ("kaden-review.example", "家電レビュー帳"),
    ("ja", "diary"): ("kurashi-note.example", "くらしノート"),
    ("zh", "travel"): ("lvxing-riji.example", "旅行日记"),
    ("zh", "recipe"): ("jiachang-cai.example", "家常菜谱"),
    ("zh", "tech"): ("shuma-pingce.example", "数码评测室"),
    ("de", "travel"): ("reisezeit.example", "Reisezeit"),
    ("de", "recipe"): ("kochwerk.example", "Kochwerk"),
    ("de", "howto"): ("werkstatt-tipps.example", "Werkstatt-Tipps"),
    ("fr", "travel"): ("carnets-de-route.example", "Carnets de route"),
    ("fr", "recipe"): ("cuisine-maison.example", "Cuisine maison"),
    ("fr", "news"): ("journal-du-canton.example", "Le Journal du canton"),
    ("es", "travel"): ("rutas-y-viajes.example", "Rutas y viajes"),
    ("es", "recipe"): ("recetas-caseras.example", "Recetas caseras"),
    ("es", "product"): ("opiniones-hogar.example", "Opiniones Hogar"),
    ("it", "travel"): ("diario-di-viaggio.example", "Diario di viaggio"),
    ("pt", "recipe"): ("receitas-da-avo.example", "Receitas da avó"),
    ("nl", "travel"): ("reisverhalen.example", "Reisverhalen"),
    ("ru", "travel"): ("putevye-zametki.example", "Путевые заметки"),
}
SPAM_SITES = ["best-deals-now.example", "top10-reviews.example", "free-offers.example", "newsite-demo.example"]


# ---------------------------------------------------------------------------------------------------
# Planted content: PII, blocklisted words, low-quality pages
# All PII values are reserved or documented test values: example.com/.org/.net and *.example mail
# domains, 555-01xx and Ofcom drama-range phone numbers, RFC 5737 / RFC 3849 documentation addresses,
# the card-network test numbers, and the IBAN examples published by the registries.
# ---------------------------------------------------------------------------------------------------

# (source, lang, genre, topic selector or None, sentence, [(kind, value), ...])
PII_PLANTS = [
    ("warc", "en", "forum", None,
     "{user1} added: If anyone wants to compare notes, my email is jane.doe@example.com and I am happy to send more details.",
     [("email", "jane.doe@example.com")]),
    ("warc", "en", "product", None,
     "Questions about your order? Call our service team on +1 202-555-0143 or write to orders@gearnest.example, Monday to Friday from nine to five.",
     [("phone", "+1 202-555-0143"), ("email", "orders@gearnest.example")]),
    ("warc", "en", "news", None,
     "The project office can be reached on 020 7946 0958 or by email at projects@valleygazette.example, and written comments can also be left at the town hall.",
     [("phone", "020 7946 0958"), ("email", "projects@valleygazette.example")]),
    ("warc", "en", "forum", ("question_title", "Home Wi-Fi drops every evening around eight"),
     "{user2} added: For comparison, my router's public address is 203.0.113.42 (2001:db8::42 over IPv6), and its log shows the line dropping at exactly the same times.",
     [("ip", "203.0.113.42"), ("ip", "2001:db8::42")]),
    ("warc", "en", "forum", None,
     "{user3} added: A word of warning about screenshots: a friend posted one of her order page by accident, and it showed the whole card number, 4111 1111 1111 1111, with the expiry date right next to it.",
     [("credit_card", "4111 1111 1111 1111")]),
    ("warc", "en", "travel", None,
     "If you would like to join the group trip next year, the deposit goes to IBAN GB82 WEST 1234 5698 7654 32, with your name as the reference.",
     [("iban", "GB82 WEST 1234 5698 7654 32")]),
    ("warc", "ja", "diary", None,
     "先日、ネット通販の確認メールにカード番号の 5555 5555 5555 4444 がそのまま書かれていて、とても驚きました。ブログへのご感想は hello@example.com までお気軽にどうぞ。",
     [("credit_card", "5555 5555 5555 4444"), ("email", "hello@example.com")]),
    ("warc", "ja", "product", ("product", "ロボット掃除機"),
     "本体の設定画面には、ブラウザから 198.51.100.23 にアクセスして入ります。メーカーのサポート窓口は support@example.com です。",
     [("ip", "198.51.100.23"), ("email", "support@example.com")]),
    ("warc", "de", "travel", None,
     "Wer bei der nächsten Gruppenreise dabei sein möchte, überweist die Anzahlung bitte auf DE89 3704 0044 0532 0130 00 und schreibt eine kurze Nachricht an reise@example.org.",
     [("iban", "DE89 3704 0044 0532 0130 00"), ("email", "reise@example.org")]),
    ("warc", "fr", "news", None,
     "Les habitants peuvent envoyer leurs remarques à concertation@example.org avant la fin du mois.",
     [("email", "concertation@example.org")]),
    ("jsonl", "en", "forum", None,
     "{user1} added: Feel free to call me on (312) 555-0178 in the evening, or email mike.r@example.net if that is easier.",
     [("phone", "(312) 555-0178"), ("email", "mike.r@example.net")]),
    ("jsonl", "en", "travel", None,
     "Note to self: the booking went through on the card 4012 8888 8888 1881, and the confirmation came from the server at 203.0.113.7, so check the statement next month.",
     [("credit_card", "4012 8888 8888 1881"), ("ip", "203.0.113.7")]),
    ("jsonl", "ja", "travel", None,
     "宿に問い合わせたい方は、予約担当のアドレス（yoyaku@example.com）に直接メールするのが確実です。",
     [("email", "yoyaku@example.com")]),
    ("jsonl", "es", "travel", None,
     "Si queréis venir en el próximo viaje en grupo, la señal se paga en la cuenta ES91 2100 0418 4502 0005 1332 y podéis escribir a viajes@example.com para reservar plaza.",
     [("iban", "ES91 2100 0418 4502 0005 1332"), ("email", "viajes@example.com")]),
]

# (source, lang, genre, sentence, [words]) -- mild words that a word blocklist (e.g. LDNOOBW) matches.
PROFANITY_PLANTS = [
    ("warc", "en", "forum",
     "{user2} added: Honestly, my last one was a piece of shit and the support line was useless, so I understand why you are fed up.",
     ["shit"], "profanity"),
    ("warc", "en", "travel",
     "We also took the train out to the coast for a day; the far end of the beach there is a nude beach, so families tend to stay near the café at the other end.",
     ["nude"], "innocent_context"),
    ("warc", "de", "travel",
     "Am zweiten Tag ist unser Zug ausgefallen, und ich gebe zu, dass mir in dem Moment ein lautes Scheiße herausgerutscht ist.",
     ["scheiße"], "profanity"),
    ("warc", "zh", "tech",
     "说到底，大家最关心的还是性价比，这一点它做得确实不错。",
     ["性"], "innocent_context"),
    ("warc", "es", "travel",
     "El último día llovió tanto que solo pude decir que vaya tiempo de mierda, y nos quedamos en el hotel.",
     ["mierda"], "profanity"),
    ("jsonl", "en", "forum",
     "{user3} added: Bollocks to the manual, the answer is almost always to switch it off and on again.",
     ["bollocks"], "profanity"),
]

ADULT_SPAM_LINES = [
    "Hot singles are waiting for you tonight.",
    "Free xxx videos updated every day.",
    "The best porn site of the year, no registration needed.",
    "Click here now and claim your free membership.",
    "Adults only, you must be eighteen or older to enter.",
]

NEAR_DUP_SYNONYMS = {
    "en": [("small", "little"), ("very", "really"), ("about", "around"), ("usually", "often"), ("quickly", "fast"),
           ("large", "big"), ("several", "a few"), ("excellent", "great"), ("quiet", "calm"), ("simple", "easy"),
           ("good", "decent"), ("perhaps", "maybe"), ("enough", "plenty"), ("whole", "entire"), ("nearly", "almost"),
           ("first", "very first"), ("every", "each"), ("most", "the majority of"), ("long", "lengthy"), ("few", "couple of")],
    "ja": [("とても", "すごく"), ("少し", "ちょっと"), ("思います", "感じます"), ("おすすめ", "オススメ"), ("ください", "下さい"),
           ("簡単", "手軽"), ("きれい", "綺麗"), ("ゆっくり", "のんびり"), ("よかった", "良かった"), ("ほど", "くらい"),
           ("できました", "できましたね"), ("ました。", "ましたよ。"), ("ので", "から")],
    "fr": [("très", "vraiment"), ("souvent", "fréquemment"), ("environ", "à peu près"), ("beaucoup", "énormément"),
           ("calme", "tranquille"), ("simple", "facile"), ("magnifique", "superbe"), ("petit", "modeste"), ("bien", "vraiment")],
    "de": [("sehr", "wirklich"), ("klein", "winzig"), ("etwa", "ungefähr"), ("schön", "hübsch"), ("oft", "häufig"), ("gut", "prima")],
    "es": [("muy", "bastante"), ("pequeño", "chiquito"), ("unos", "alrededor de"), ("bonitos", "preciosos"), ("rico", "sabroso")],
    "zh": [("很", "非常"), ("一些", "一点"), ("大概", "差不多"), ("特别", "格外"), ("建议", "推荐")],
}
NEAR_DUP_EXTRA = {
    "en": ["Edit: I fixed a couple of typos and added a note about prices.",
           "Update: we checked again this month and everything above still holds.",
           "This page was last updated in November.",
           "Thanks to everyone who sent corrections after the first version of this post."],
    "ja": ["追記：誤字を少し修正しました。", "※この記事は十一月に内容を一部更新しました。", "追記：その後もう一度試しましたが、印象は変わりませんでした。"],
    "fr": ["Mise à jour : quelques fautes de frappe ont été corrigées.", "Cet article a été mis à jour en novembre."],
    "de": ["Nachtrag: Ein paar Tippfehler wurden korrigiert.", "Dieser Beitrag wurde im November aktualisiert."],
    "es": ["Actualización: he corregido algunas erratas.", "Este artículo se actualizó en noviembre."],
    "zh": ["补充：修改了几个错别字。", "本文已于十一月更新。"],
}

LATIN = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod", "tempor",
         "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim", "ad", "minim", "veniam", "quis",
         "nostrud", "exercitation", "ullamco", "laboris", "nisi", "aliquip", "ex", "ea", "commodo", "consequat"]

KEYWORD_SETS = [
    ("en", "Cheap Flights Cheap Flights Best Cheap Flights Deals",
     ["cheap flights", "cheap flights to Lisbon", "best cheap flights", "last minute flights", "cheap airline tickets",
      "flight deals", "cheap flights today", "book cheap flights"]),
    ("en", "Running Shoes Sale Best Running Shoes Cheap Running Shoes",
     ["running shoes", "buy running shoes", "running shoes sale", "best running shoes", "cheap running shoes",
      "running shoes online", "discount running shoes"]),
    ("en", "Home Insurance Quote Cheap Home Insurance Compare",
     ["home insurance", "home insurance quote", "cheap home insurance", "best home insurance", "compare home insurance",
      "home insurance online"]),
    ("ja", "格安航空券 最安値 格安 航空券 比較 激安",
     ["格安航空券", "航空券 最安値", "格安 航空券 比較", "激安 航空券", "航空券 予約 格安", "格安航空券 今すぐ"]),
]

REPEATED_LINES = [
    ("en", "Claim your free gift card", "Click here to claim your free gift card now!"),
    ("en", "Best product", "This is the best product for everyone who wants the best product at the best price."),
    ("de", "Gewinnspiel", "Jetzt kostenlos anmelden und sofort gewinnen!"),
    ("en", "Loading", "Please wait while the page is loading, do not close this window."),
]

LINK_WORDS = (["Best", "Cheap", "Top", "Free", "Online", "Discount", "Trusted", "Instant"],
              ["car insurance", "payday loans", "web hosting", "replica watches", "casino bonus", "diet pills",
               "seo services", "mortgage rates", "phone deals", "hotel deals", "crypto signals", "essay writing"])

SHORT_PAGES = [
    ("en", "Coming soon", ["Our new shop opens in December."]),
    ("en", "Thank you", ["Your message has been sent."]),
    ("ja", "準備中", ["このページは現在準備中です。"]),
    ("fr", "Bientôt disponible", ["Revenez bientôt."]),
    ("en", "Page not found", ["Sorry, nothing here."]),
    ("de", "Baustelle", ["Hier entsteht eine neue Website."]),
]

SYMBOL_LINES = ["★★★★★ ★★★★★ ★★★★★", ">>> SALE <<< >>> SALE <<<", "$$$ ### $$$ ### $$$", "=-=-=-=-=-=-=-=-=-=-=",
                "♥♥♥ ☆☆☆ ♥♥♥ ☆☆☆ ♥♥♥", "→ → → → → → → →", ":: :: :: :: :: :: ::", "!!! 50% OFF !!! 50% OFF !!!",
                "### ### ### ### ###", "*** *** *** *** ***", "~~~~~~~~~~~~~~~~~~~~", "+++ NEW +++ NEW +++ NEW +++",
                "<<<<<<<<<< >>>>>>>>>>", "@@@ @@@ @@@ @@@", "%%% %%% %%% %%%", "■■■■■■■■■■■■"]

BULLET_ITEMS = ["Free delivery", "Support around the clock", "Thirty day returns", "Secure checkout", "Best price promise",
                "Over ten thousand products", "Gift wrapping", "Student discount", "Loyalty points", "Click and collect",
                "Express shipping", "Price match", "Member offers", "Weekly deals", "Easy payments", "Gift cards",
                "New arrivals", "Top brands", "Eco packaging", "Trusted sellers", "Fast refunds", "Live chat"]

HEADLINE_PARTS = {
    "en": (["Ten", "Seven", "Five", "Twelve", "Three"],
           ["things to do", "places to eat", "walks to try", "ways to save money", "markets to visit", "day trips to take"],
           ["in the old town", "near the river", "on a rainy day", "with children", "on a budget", "before summer ends"],
           ["this weekend", "right now", "in autumn", "this year", "according to our readers"]),
    "es": (["Diez", "Siete", "Cinco", "Doce"],
           ["planes para hacer", "sitios para comer", "rutas en bici", "mercados que visitar", "excursiones de un día"],
           ["en el casco antiguo", "cerca del río", "con niños", "sin gastar mucho", "un día de lluvia"],
           ["este fin de semana", "este otoño", "este año", "según nuestros lectores"]),
}


# ---------------------------------------------------------------------------------------------------
# Composition
# ---------------------------------------------------------------------------------------------------


class _Slots(dict):
    """Slot values; `{Dish}` is `{dish}` with a capital first letter."""

    def __missing__(self, key: str) -> str:
        low = key[:1].lower() + key[1:]
        if low != key and low in self:
            value = self[low]
            return value[:1].upper() + value[1:]
        raise KeyError(key)


def fill(template: str, values: dict[str, str]) -> str:
    return template.format_map(_Slots(values))


def compose(genre: Genre, rng: random.Random, topic: dict[str, Any] | None) -> tuple[str, list[str], dict[str, str]]:
    """One document of `genre`: (title, paragraphs, slot values)."""
    topic = topic or {}
    values = {key: rng.choice(options) for key, options in genre.slots.items()}
    values.update({key: value for key, value in topic.items() if isinstance(value, str)})
    title = fill(rng.choice(genre.titles), values)
    used: dict[Any, set[int]] = {}
    paragraphs = []
    for section in genre.sections:
        count, pool = section[0], section[1]
        prefix = section[2] if len(section) > 2 else ""
        lead = isinstance(pool, str) and pool.endswith("!")  # "name!": always start with the pool's first sentence
        key = pool.rstrip("!") if isinstance(pool, str) else id(pool)
        if isinstance(pool, str):
            pool = topic[pool.rstrip("!")]
            if isinstance(pool, str):
                pool = [pool]
        taken = used.setdefault(key, set())
        # A sentence written "!..." is always used (a recipe never skips adding its main ingredient).
        fixed = [i for i, sentence in enumerate(pool) if sentence.startswith("!") or (lead and i == 0)]
        available = [i for i in range(len(pool)) if i not in taken and i not in fixed]
        picks = sorted(fixed + rng.sample(available, min(count - len(fixed), len(available))))
        taken.update(picks)
        paragraphs.append(fill(prefix, values) + genre.joiner.join(fill(pool[i].removeprefix("!"), values) for i in picks))
    return title, paragraphs, values


CJK = ("ja", "zh")


def shingles(text: str, lang: str, n: int = 5) -> set[str]:
    """Word 5-grams of the lower-cased text (character 5-grams without whitespace for ja/zh)."""
    if lang in CJK:
        chars = re.sub(r"\s+", "", text)
        return {chars[i:i + n] for i in range(max(1, len(chars) - n + 1))}
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def repetitive(text: str, lang: str) -> bool:
    """Whether repeated word 5-grams cover more than 12% of the characters (Gopher drops above 15%)."""
    if lang in CJK:
        return False
    words = re.findall(r"\w+", text.lower())
    grams = [tuple(words[i:i + 5]) for i in range(len(words) - 4)]
    seen: dict[tuple[str, ...], int] = {}
    for gram in grams:
        seen[gram] = seen.get(gram, 0) + 1
    covered = {j for i, gram in enumerate(grams) if seen[gram] > 1 for j in range(i, i + 5)}
    return sum(len(words[j]) for j in covered) > 0.12 * sum(len(w) for w in words)


def similarity(a: str, b: str, lang: str) -> float:
    """Jaccard similarity of `shingles`: what near-duplicate detection (MinHash) estimates."""
    sa, sb = shingles(a, lang), shingles(b, lang)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


@dataclasses.dataclass
class Doc:
    key: str
    source: str  # "warc" or "jsonl"
    lang: str
    genre: str
    title: str
    paragraphs: list[str]
    case: str = "normal"
    subcase: str | None = None
    host: str = ""
    site: str = ""
    path: str = ""
    url: str = ""
    heavy: bool = False
    duplicate_of: str | None = None
    similarity: float | None = None
    pii: list[dict[str, str]] = dataclasses.field(default_factory=list)
    words: list[str] = dataclasses.field(default_factory=list)
    variant: str | None = None
    links: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    date: str = ""

    @property
    def text(self) -> str:
        """The main text: title and paragraphs, one per line (what the page's <article> holds)."""
        return "\n".join([self.title, *self.paragraphs])

    @property
    def jsonl_text(self) -> str:
        return "\n\n".join([self.title, *self.paragraphs])


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "page"


class Builder:
    """Composes every document in a fixed order from one seeded RNG."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.docs: list[Doc] = []
        self.by_key: dict[str, Doc] = {}
        self._genre_cycles: dict[str, list[Genre]] = {}
        self._topic_cycles: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._shingles: dict[str, list[set[str]]] = {}
        self._paths: set[str] = set()
        self._counter = 0

    # -- choosing what to write ------------------------------------------------------------------
    GENRE_WEIGHTS = {
        "en": {"travel": 4, "recipe": 4, "news": 4, "product": 3, "howto": 3, "forum": 2},
        "ja": {"travel": 3, "recipe": 3, "product": 2, "diary": 3},
        "zh": {"travel": 2, "recipe": 2, "tech": 1},
        "de": {"travel": 3, "recipe": 3, "howto": 1},
        "fr": {"travel": 3, "recipe": 3, "news": 1},
        "es": {"travel": 3, "recipe": 3, "product": 1},
    }

    def next_genre(self, lang: str) -> Genre:
        cycle = self._genre_cycles.get(lang)
        if not cycle:
            by_name = {g.name: g for g in GENRES[lang]}
            cycle = [by_name[name] for name, weight in self.GENRE_WEIGHTS[lang].items() for _ in range(weight)]
            self.rng.shuffle(cycle)
            self._genre_cycles[lang] = cycle
        return cycle.pop()

    def genre(self, lang: str, name: str) -> Genre:
        if lang in OTHER_GENRES:
            return OTHER_GENRES[lang]
        return next(g for g in GENRES[lang] if g.name == name)

    def next_topic(self, lang: str, genre: Genre, select: tuple[str, str] | None = None) -> dict[str, Any] | None:
        if not genre.topics:
            return None
        if select is not None:
            return next(t for t in genre.topics if t.get(select[0]) == select[1])
        cycle = self._topic_cycles.get((lang, genre.name))
        if not cycle:
            cycle = list(genre.topics)
            self.rng.shuffle(cycle)
            self._topic_cycles[(lang, genre.name)] = cycle
        return cycle.pop()

    # -- documents -------------------------------------------------------------------------------
    def new_key(self, source: str, lang: str, case: str) -> str:
        self._counter += 1
        return f"{source}-{lang}-{case}-{self._counter:03d}"

    def add(self, doc: Doc) -> Doc:
        self.docs.append(doc)
        self.by_key[doc.key] = doc
        return doc

    def place(self, doc: Doc, host: str | None = None, site: str | None = None) -> None:
        """Give the document a host and a unique URL."""
        default_host, default_site = SITES.get((doc.lang, doc.genre), (SPAM_SITES[0], "Best Deals"))
        doc.host = host or default_host
        doc.site = site or default_site
        self._counter += 1
        if doc.lang in ("en", "de", "fr", "es", "it", "pt", "nl") and doc.case != "low_quality":
            path = f"/{doc.genre}/{slugify(doc.title)}"
        else:
            path = f"/{doc.genre}/2026/{self._counter:04d}.html"
        while doc.host + path in self._paths:
            path += "-2"
        self._paths.add(doc.host + path)
        doc.path = path
        doc.url = f"https://{doc.host}{path}"
        month = self.rng.choice(["08", "09", "10", "11"])
        doc.date = f"2026-{month}-{self.rng.randint(1, 28):02d}"

    def content_doc(self, source: str, lang: str, case: str, genre_name: str | None = None,
                    topic_select: tuple[str, str] | None = None, distinct_below: float = 0.5) -> tuple[Doc, dict[str, str]]:
        """A well-formed document, kept clearly distinct from every earlier one of its language."""
        if genre_name is not None:
            genre = self.genre(lang, genre_name)
        elif lang in OTHER_GENRES:
            genre = OTHER_GENRES[lang]
        else:
            genre = self.next_genre(lang)
        seen = self._shingles.setdefault(lang, [])
        for _attempt in range(50):
            topic = self.next_topic(lang, genre, topic_select)
            title, paragraphs, values = compose(genre, self.rng, topic)
            text = "\n".join([title, *paragraphs])
            sh = shingles(text, lang)
            if repetitive(text, lang):
                continue
            if all(len(sh & other) / len(sh | other) < distinct_below for other in seen):
                break
        else:  # pragma: no cover - the pools are large enough
            raise RuntimeError(f"could not compose a distinct {lang} {genre.name} document")
        seen.append(sh)
        doc = self.add(Doc(key=self.new_key(source, lang, case), source=source, lang=lang, genre=genre.name,
                           title=title, paragraphs=paragraphs, case=case))
        return doc, values

    # -- planted cases ---------------------------------------------------------------------------
    def near_duplicate(self, original: Doc, source: str) -> Doc:
        """A copy with a few words changed and/or a sentence added, within NEAR_DUP_RANGE of the original."""
        lang = original.lang
        synonyms = NEAR_DUP_SYNONYMS.get(lang, [])
        extras = NEAR_DUP_EXTRA.get(lang, NEAR_DUP_EXTRA["en"])
        low, high = NEAR_DUP_RANGE
        for _attempt in range(200):
            paragraphs = list(original.paragraphs)
            for step in range(12):
                if self.rng.random() < 0.7 and synonyms:
                    word, replacement = self.rng.choice(synonyms)
                    pattern = re.escape(word) if lang in CJK else r"\b" + re.escape(word) + r"\b"
                    hits = [(i, m) for i, p in enumerate(paragraphs) for m in re.finditer(pattern, p)]
                    if not hits:
                        continue
                    i, m = self.rng.choice(hits)
                    paragraphs[i] = paragraphs[i][:m.start()] + replacement + paragraphs[i][m.end():]
                else:
                    i = self.rng.randrange(len(paragraphs))
                    joiner = "" if lang in CJK else " "
                    paragraphs[i] = paragraphs[i] + joiner + self.rng.choice(extras)
                sim = similarity(original.text, "\n".join([original.title, *paragraphs]), lang)
                if sim < low:
                    break
                if step >= 1 and sim <= high:
                    doc = self.add(Doc(key=self.new_key(source, lang, "near_duplicate"), source=source, lang=lang,
                                       genre=original.genre, title=original.title, paragraphs=paragraphs,
                                       case="near_duplicate", duplicate_of=original.key, similarity=round(sim, 4)))
                    return doc
        raise RuntimeError(f"no near duplicate for {original.key}")  # pragma: no cover

    def exact_duplicate(self, original: Doc, source: str) -> Doc:
        return self.add(Doc(key=self.new_key(source, original.lang, "exact_duplicate"), source=source, lang=original.lang,
                            genre=original.genre, title=original.title, paragraphs=list(original.paragraphs),
                            case="exact_duplicate", duplicate_of=original.key, similarity=1.0))

    def low_quality(self, source: str, subcase: str, index: int) -> Doc:
        rng = self.rng
        lang, links = "en", []
        if subcase == "keyword_stuffing":
            lang, title, keywords = KEYWORD_SETS[index % len(KEYWORD_SETS)]
            sep = "　" if lang == "ja" else ", "
            end = "。" if lang == "ja" else "."
            phrases = []
            for _ in range(3 if lang == "ja" else 6):
                phrase = sep.join(rng.choice(keywords) for _ in range(rng.randint(8, 12)))
                phrases.append(phrase[:1].upper() + phrase[1:] + end)
            # Japanese has no spaces for word-level rules to count, so its stuffing also repeats whole lines.
            paragraphs = [rng.choice(phrases) for _ in range(12)] if lang == "ja" else phrases
        elif subcase == "repeated_lines":
            lang, title, line = REPEATED_LINES[index % len(REPEATED_LINES)]
            paragraphs = [line] * rng.randint(20, 30)
        elif subcase == "link_farm":
            title = rng.choice(["Useful links", "Partner sites", "Top resources", "Recommended websites"])
            adjectives, nouns = LINK_WORDS
            paragraphs = []
            for n in range(rng.randint(40, 55)):
                anchor = f"{rng.choice(adjectives)} {rng.choice(nouns)}"
                if rng.random() < 0.4:
                    anchor += f" {rng.choice(['2026', 'online', 'near me', 'today', 'reviews', 'uk'])}"
                paragraphs.append(anchor)
                links.append((anchor, f"https://{slugify(anchor)}-{n}.linkfarm.example/"))
        elif subcase == "lorem_ipsum":
            title = rng.choice(["Welcome to our new website", "Sample page", "About us"])
            paragraphs = []
            for p in range(rng.randint(3, 5)):
                sentences = []
                for _ in range(rng.randint(3, 5)):
                    words = [rng.choice(LATIN) for _ in range(rng.randint(7, 14))]
                    if p == 0 and not sentences:
                        words = ["lorem", "ipsum", "dolor", "sit", "amet", *words]
                    sentence = " ".join(words)
                    sentences.append(sentence[:1].upper() + sentence[1:] + ".")
                paragraphs.append(" ".join(sentences))
        elif subcase == "too_short":
            lang, title, paragraphs = SHORT_PAGES[index % len(SHORT_PAGES)]
            paragraphs = list(paragraphs)
        elif subcase == "symbols":
            title = rng.choice(["★ MEGA SALE ★", ">>> DEALS <<<"])
            paragraphs = [rng.choice(SYMBOL_LINES) for _ in range(rng.randint(14, 20))]
            paragraphs[rng.randrange(len(paragraphs))] = "BIG SALE TODAY"
        elif subcase == "bullet_list":
            title = rng.choice(["Why shop with us", "Our promise"])
            paragraphs = ["• " + item for item in rng.sample(BULLET_ITEMS, rng.randint(16, 20))]
        elif subcase == "no_punctuation":
            lang = "es" if index % 3 == 2 else "en"
            numbers, things, places, times = HEADLINE_PARTS[lang]
            title = "Lo más leído" if lang == "es" else "Latest stories"
            paragraphs = []
            while len(paragraphs) < rng.randint(16, 22):
                line = f"{rng.choice(numbers)} {rng.choice(things)} {rng.choice(places)} {rng.choice(times)}"
                if line not in paragraphs:
                    paragraphs.append(line)
        else:  # pragma: no cover
            raise ValueError(subcase)
        doc = self.add(Doc(key=self.new_key(source, lang, "low_quality"), source=source, lang=lang, genre="spam",
                           title=title, paragraphs=paragraphs, case="low_quality", subcase=subcase, links=links))
        self.place(doc, host=SPAM_SITES[index % len(SPAM_SITES)], site="Best Deals")
        return doc


LOW_QUALITY_WARC = {"keyword_stuffing": 3, "repeated_lines": 3, "link_farm": 3, "lorem_ipsum": 2, "too_short": 4,
                    "symbols": 2, "bullet_list": 2, "no_punctuation": 3}
LOW_QUALITY_JSONL = {"keyword_stuffing": 1, "repeated_lines": 1, "link_farm": 1, "lorem_ipsum": 1, "too_short": 2,
                     "symbols": 1, "bullet_list": 1, "no_punctuation": 1}
NORMAL_WARC = {"en": 63, "ja": 30, "zh": 12, "de": 11, "fr": 11, "es": 11}
BOILERPLATE_WARC = {"en": 14, "ja": 6, "zh": 2, "de": 2, "fr": 2, "es": 2}
NORMAL_JSONL = {"en": 22, "ja": 12, "zh": 5, "de": 4, "fr": 4, "es": 3}
OTHER_WARC = {"it": 3, "pt": 3, "nl": 3, "ru": 3}
OTHER_JSONL = {"it": 1, "pt": 1}
EXACT_DUP_WARC = ["en", "en", "en", "en", "en", "ja", "ja", "de"]
EXACT_DUP_JSONL = ["en", "en", "ja", "zh"]
NEAR_DUP_WARC = ["en", "en", "en", "en", "en", "ja", "ja", "fr"]
# (language, source of the original): two JSONL near duplicates of JSONL documents, two of WARC pages.
NEAR_DUP_JSONL = [("en", "jsonl"), ("ja", "jsonl"), ("en", "warc"), ("de", "warc")]
BLOCKED_WARC = [("en", "travel", "blocked-demo.example"), ("en", "recipe", "www.blocked-demo.example"),
                ("en", "product", "shop.blocked-demo.example"), ("ja", "diary", "blocked-demo.example")]
BLOCKED_JSONL = [("en", "news", "news.blocked-demo.example")]
DUP_URL_VARIANTS = ["?utm_source=newsletter&utm_medium=email", "http", "www", "?utm_source=social",
                    "newsdigest", "?ref=homepage", "archive-mirror", "?utm_campaign=autumn"]


def build_documents(rng: random.Random) -> Builder:
    b = Builder(rng)

    for lang, n in NORMAL_WARC.items():
        for _ in range(n):
            doc, _ = b.content_doc("warc", lang, "normal")
            b.place(doc)
    for lang, n in BOILERPLATE_WARC.items():
        for _ in range(n):
            doc, _ = b.content_doc("warc", lang, "boilerplate")
            doc.heavy = True
            b.place(doc)
    for lang, n in NORMAL_JSONL.items():
        for _ in range(n):
            doc, _ = b.content_doc("jsonl", lang, "normal")
            b.place(doc)

    for source, lang, genre, select, sentence, values in PII_PLANTS:
        doc, slots = b.content_doc(source, lang, "pii", genre_name=genre, topic_select=select)
        doc.paragraphs.insert(len(doc.paragraphs) - 1, fill(sentence, slots))
        doc.pii = [{"type": kind, "value": value} for kind, value in values]
        b.place(doc)
    for source, lang, genre, sentence, words, subcase in PROFANITY_PLANTS:
        doc, slots = b.content_doc(source, lang, "profanity", genre_name=genre)
        doc.paragraphs.insert(len(doc.paragraphs) - 1, fill(sentence, slots))
        doc.words, doc.subcase = list(words), subcase
        b.place(doc)
    adult = b.add(Doc(key=b.new_key("warc", "en", "profanity"), source="warc", lang="en", genre="spam",
                      title="Adults only", paragraphs=list(ADULT_SPAM_LINES), case="profanity", subcase="adult_spam",
                      words=["xxx", "porn"]))
    b.place(adult, host="free-offers.example", site="Free Offers")

    for source, items in (("warc", BLOCKED_WARC), ("jsonl", BLOCKED_JSONL)):
        for lang, genre, host in items:
            doc, _ = b.content_doc(source, lang, "blocked_domain", genre_name=genre)
            b.place(doc, host=host, site="Blocked Demo")

    for source, counts in (("warc", OTHER_WARC), ("jsonl", OTHER_JSONL)):
        for lang, n in counts.items():
            for _ in range(n):
                doc, _ = b.content_doc(source, lang, "other_language", distinct_below=0.6)
                b.place(doc)

    # Encoding variants of otherwise normal WARC pages (chosen before duplicates, which copy bytes).
    normal_warc = [d for d in b.docs if d.source == "warc" and d.case == "normal"]
    wanted = [("ja", "charset=shift_jis"), ("ja", "meta-charset=euc-jp"), ("zh", "charset=gbk"),
              ("fr", "charset=windows-1252"), ("de", "charset=iso-8859-1"), ("en", "content-encoding=gzip"),
              ("es", "content-encoding=gzip"), ("en", "transfer-encoding=chunked")]
    for lang, variant in wanted:
        codec = variant.split("=")[1] if "charset" in variant else "utf-8"
        for doc in normal_warc:
            if doc.lang == lang and doc.variant is None:
                try:
                    doc.text.encode(codec)
                except UnicodeEncodeError:
                    continue
                doc.variant = variant
                break
        else:  # pragma: no cover
            raise RuntimeError(f"no document for {variant}")

    originals = [d for d in normal_warc if d.variant is None]
    used: set[str] = set()

    def pick(lang: str, pool: list[Doc]) -> Doc:
        choice = rng.choice([d for d in pool if d.lang == lang and d.key not in used])
        used.add(choice.key)
        return choice

    for i, lang in enumerate(EXACT_DUP_WARC):
        original = pick(lang, originals)
        dup = b.exact_duplicate(original, "warc")
        variant = DUP_URL_VARIANTS[i % len(DUP_URL_VARIANTS)]
        dup.host, dup.site, dup.path, dup.date = original.host, original.site, original.path, original.date
        if variant.startswith("?"):
            dup.url = original.url + variant
        elif variant == "http":
            dup.url = "http://" + original.url[len("https://"):]
        elif variant == "www":
            dup.host = "www." + original.host
            dup.url = f"https://{dup.host}{original.path}"
        else:
            dup.host = f"{variant}.example"
            dup.url = f"https://{dup.host}/{original.host}{original.path}"
        dup.variant = f"url:{variant.lstrip('?').split('=')[0]}"
    jsonl_normal = [d for d in b.docs if d.source == "jsonl" and d.case == "normal"]
    for i, lang in enumerate(EXACT_DUP_JSONL):
        original = pick(lang, jsonl_normal)
        dup = b.exact_duplicate(original, "jsonl")
        b.place(dup, host=original.host, site=original.site)
        dup.url = original.url + ("?ref=rss" if i % 2 == 0 else "?page=1")
        dup.variant = "url:query"

    for lang in NEAR_DUP_WARC:
        original = pick(lang, originals)
        near = b.near_duplicate(original, "warc")
        b.place(near, host=rng.choice([original.host, "newsdigest.example"]), site=original.site)
    for lang, origin in NEAR_DUP_JSONL:
        original = pick(lang, originals if origin == "warc" else jsonl_normal)
        near = b.near_duplicate(original, "jsonl")
        b.place(near, host=original.host, site=original.site)
        near.variant = f"original_in:{origin}"

    malformed, _ = b.content_doc("warc", "en", "malformed")  # written last, cut off mid-record
    b.place(malformed)

    for source, counts in (("warc", LOW_QUALITY_WARC), ("jsonl", LOW_QUALITY_JSONL)):
        for subcase, n in counts.items():
            offset = LOW_QUALITY_WARC[subcase] if source == "jsonl" else 0  # no accidental cross-source twins
            for i in range(n):
                b.low_quality(source, subcase, offset + i)
    return b


# ---------------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------------

STYLE = ("body{font-family:Georgia,serif;margin:0 auto;max-width:52rem;line-height:1.5}"
         ".cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#222;color:#fff;padding:1rem}"
         "nav ul{display:flex;gap:1rem;list-style:none}.sidebar{font-size:.9rem}")
CONSENT_SCRIPT = ('document.addEventListener("DOMContentLoaded",function(){var b=document.getElementById("cookie-banner");'
                  'if(window.localStorage&&localStorage.getItem("consent")==="yes"){b.hidden=true;}'
                  'b.querySelector("button").onclick=function(){localStorage.setItem("consent","yes");b.hidden=true;};});')
ANALYTICS_SCRIPT = 'window.siteStats=window.siteStats||[];siteStats.push(["pageview",location.pathname]);'


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def render_article(doc: Doc) -> list[str]:
    lines = ["<article>", f"<h1>{esc(doc.title)}</h1>"]
    if doc.subcase == "link_farm":
        lines.append('<ul class="links">')
        lines += [f'<li><a href="{attr(href)}">{esc(text)}</a></li>' for text, href in doc.links]
        lines.append("</ul>")
    elif doc.subcase == "bullet_list":
        lines.append("<ul>")
        lines += [f"<li>{esc(p)}</li>" for p in doc.paragraphs]
        lines.append("</ul>")
    else:
        lines += [f"<p>{esc(p)}</p>" for p in doc.paragraphs]
    lines.append("</article>")
    return lines


def render_page(doc: Doc, rng: random.Random, related: list[Doc], charset: str) -> str:
    """The page's HTML: the article, inside light (normal) or heavy (boilerplate case) site chrome."""
    chrome = CHROME.get(doc.lang)
    head = ["<!DOCTYPE html>", f'<html lang="{doc.lang}">', "<head>"]
    if charset == "euc-jp":
        head.append('<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">')
    else:
        head.append(f'<meta charset="{charset}">')
    head += [f"<title>{esc(doc.title)} | {esc(doc.site)}</title>",
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f'<link rel="canonical" href="{attr(doc.url)}">']
    body: list[str] = []
    if doc.genre == "spam":  # low-quality pages: hardly any chrome
        head.append("</head>")
        body = ["<body>", f'<div class="top">{esc(doc.site)}</div>', *render_article(doc),
                f"<script>{ANALYTICS_SCRIPT}</script>", "</body>", "</html>"]
        return "\n".join(head + body) + "\n"
    if not doc.heavy or chrome is None:
        head += ['<link rel="stylesheet" href="/static/site.css">', "</head>"]
        body = ["<body>", '<header class="site-header">', f'<a class="logo" href="/">{esc(doc.site)}</a>']
        if chrome is not None:
            body.append("<nav>" + " ".join(f'<a href="/{slugify(item)}/">{esc(item)}</a>' for item in chrome["nav"][:4]) + "</nav>")
        body += ["</header>", "<main>", f'<div class="post-meta"><time datetime="{doc.date}">{doc.date}</time></div>',
                 *render_article(doc), "</main>", f'<footer><p>© 2026 {esc(doc.site)}</p></footer>', "</body>", "</html>"]
        return "\n".join(head + body) + "\n"

    head += [f"<style>{STYLE}</style>", f"<script>{ANALYTICS_SCRIPT}</script>", "</head>"]
    c = chrome
    comments = []
    for commenter, text in zip(rng.sample(c["commenters"], 3), rng.sample(c["comment_texts"], 3)):
        comments += ['<div class="comment">', f'<span class="author">{esc(commenter)}</span> <time>{doc.date}</time>',
                     f"<p>{esc(text)}</p>", f'<a class="reply" href="#">{esc(c["reply"])}</a>', "</div>"]
    body = [
        "<body>",
        '<div class="cookie-banner" id="cookie-banner">', f'<p>{esc(c["cookie"])}</p>',
        f'<button type="button">{esc(c["accept"])}</button> <button type="button">{esc(c["settings"])}</button>', "</div>",
        '<header class="site-header">', f'<a class="logo" href="/">{esc(doc.site)}</a>',
        "<nav><ul>" + "".join(f'<li><a href="/{slugify(item) or "section"}/">{esc(item)}</a></li>' for item in c["nav"]) + "</ul></nav>",
        f'<form class="search" action="/search"><input type="search" name="q" placeholder="{attr(c["search"])}"></form>',
        f'<a class="login" href="/login">{esc(c["login"])}</a>', "</header>",
        f'<div class="breadcrumbs"><a href="/">{esc(c["home"])}</a> › <a href="/{doc.genre}/">{esc(c["nav"][1])}</a></div>',
        "<main>",
        f'<div class="post-meta">{esc(c["posted"])} <time datetime="{doc.date}">{doc.date}</time> · {rng.randint(3, 9)} {esc(c["read"])}</div>',
        *render_article(doc),
        f'<div class="share">{esc(c["share"])} <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>',
        '<aside class="related">', f'<h2>{esc(c["related"])}</h2>', "<ul>",
        *[f'<li><a href="{attr(other.path)}">{esc(other.title)}</a></li>' for other in related[:4]],
        "</ul>", "</aside>",
        '<section class="comments">', f'<h2>{esc(c["comments"])} (3)</h2>', *comments, "</section>",
        "</main>",
        '<aside class="sidebar">',
        f'<div class="newsletter"><h3>{esc(c["newsletter"])}</h3><p>{esc(c["newsletter_text"])}</p>'
        f'<input type="email" placeholder="you@example.com"><button type="button">{esc(c["subscribe"])}</button></div>',
        f'<div class="ad">{esc(c["ad"])}</div>',
        f'<div class="popular"><h3>{esc(c["popular"])}</h3><ol>'
        + "".join(f'<li><a href="{attr(other.path)}">{esc(other.title)}</a></li>' for other in related[4:7]) + "</ol></div>",
        "</aside>",
        "<footer>", "<ul>" + "".join(f'<li><a href="/{slugify(item) or "info"}/">{esc(item)}</a></li>' for item in c["footer"]) + "</ul>",
        f'<p>© 2026 {esc(doc.site)}. {esc(c["rights"])}</p>', "</footer>",
        f"<script>{CONSENT_SCRIPT}</script>",
        "</body>", "</html>",
    ]
    return "\n".join(head + body) + "\n"


def tiny_png() -> bytes:
    """An 8x8 two-colour PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"".join(b"\x1f\x6f\xa8" if (x + y) % 2 else b"\xf2\xe8\xd5" for x in range(8)) for y in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def tiny_pdf() -> bytes:
    """A one-page PDF with one line of text, with a correct cross-reference table."""
    stream = b"BT /F1 18 Tf 72 720 Td (Harbor Kitchen weekly menu) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def error_page(title: str, message: str, lang: str = "en") -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"><title>{esc(title)}</title></head>\n'
            f"<body><h1>{esc(title)}</h1><p>{esc(message)}</p></body>\n</html>\n").encode("utf-8")


# (url, status, reason, content type, body, extra headers, case)
def extra_responses() -> list[tuple[str, int, str, str, bytes, list[tuple[str, str]], str]]:
    products = json.dumps({"products": [{"id": 101, "name": "Kestrel One electric kettle", "price": 49.9},
                                        {"id": 102, "name": "Tidewell Trail backpack", "price": 89.0}]}, indent=2).encode()
    css = b"body{margin:0;font-family:Georgia,serif}\n.site-header{display:flex;gap:1rem}\n.comment{border-top:1px solid #ddd}\n"
    js = b'(function(){"use strict";var y=document.querySelectorAll(".reply");for(var i=0;i<y.length;i++){y[i].hidden=false;}})();\n'
    return [
        ("https://harborkitchen.example/files/weekly-menu.pdf", 200, "OK", "application/pdf", tiny_pdf(), [], "non_html"),
        ("https://slowroads.example/images/logo.png", 200, "OK", "image/png", tiny_png(), [], "non_html"),
        ("https://gearnest.example/api/products.json", 200, "OK", "application/json", products, [], "non_html"),
        ("https://valleygazette.example/static/site.css", 200, "OK", "text/css; charset=utf-8", css, [], "non_html"),
        ("https://fixitforum.example/static/app.js", 200, "OK", "application/javascript", js, [], "non_html"),
        ("http://slowroads.example/travel/lisbon", 301, "Moved Permanently", "text/html; charset=utf-8",
         error_page("Moved", "This page has moved."), [("Location", "https://slowroads.example/travel/")], "non_200"),
        ("https://harborkitchen.example/recipe/old-christmas-menu", 404, "Not Found", "text/html; charset=utf-8",
         error_page("Page not found", "Sorry, we could not find the page you were looking for. Try the search box or browse our latest recipes instead."), [], "non_200"),
        ("https://tabi-techo.example/travel/2025/0001.html", 404, "Not Found", "text/html; charset=utf-8",
         error_page("ページが見つかりません", "お探しのページは移動または削除された可能性があります。お手数ですが、トップページから目的の記事をお探しください。", "ja"), [], "non_200"),
        ("https://gearnest.example/cart/checkout", 500, "Internal Server Error", "text/html; charset=utf-8",
         error_page("Something went wrong", "An unexpected error occurred. Please try again in a few minutes."), [], "non_200"),
        ("https://valleygazette.example/search?q=bridge", 503, "Service Unavailable", "text/html; charset=utf-8",
         error_page("Down for maintenance", "We are carrying out scheduled maintenance and will be back shortly."),
         [("Retry-After", "3600")], "non_200"),
    ]


# ---------------------------------------------------------------------------------------------------
# WARC and JSONL writers
# ---------------------------------------------------------------------------------------------------


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def iso(moment: _dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(moment: _dt.datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


def warc_record(fields: list[tuple[str, str]], block: bytes) -> bytes:
    head = "WARC/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields)
    head += f"WARC-Block-Digest: {sha1_b32(block)}\r\nContent-Length: {len(block)}\r\n\r\n"
    return head.encode("utf-8") + block + b"\r\n\r\n"


def gzip_member(data: bytes) -> bytes:
    """One gzip member with a fixed header: mtime 0, no file name, XFL 2 (best compression), OS 255 (unknown).

    Written by hand because `gzip.compress(mtime=0)` sets the OS byte differently across Python versions.
    """
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate; zlib.compress(wbits=) needs Python 3.11
    return header + deflate.compress(data) + deflate.flush() + trailer


def chunked(body: bytes, size: int = 1500) -> bytes:
    parts = [b"%x\r\n" % len(body[i:i + size]) + body[i:i + size] + b"\r\n" for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def host_ip(host: str) -> str:
    return f"192.0.2.{int(hashlib.sha1(host.encode()).hexdigest(), 16) % 250 + 2}"


class WarcOut:
    """One .warc.gz file: one gzip member per record, deterministic ids and dates."""

    def __init__(self, relname: str, day: int, rng: random.Random):
        self.relname = relname
        self.rng = rng
        self.members: list[bytes] = []
        self.size = 0
        self.clock = BASE_DATE + _dt.timedelta(days=day)
        self.type_counts: dict[str, int] = {}
        self.info_id = self.record_id("warcinfo", relname)
        info = ("software: corpusforge samples/make_sample.py\r\nformat: WARC File Format 1.1\r\n"
                "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
                "isPartOf: corpusforge-sample\r\nhostname: crawler.corpusforge.example\r\nrobots: classic\r\n"
                "description: Sample crawl for the corpusforge quickstart; every page was written for the project.\r\n")
        self.write("warcinfo", warc_record([("WARC-Type", "warcinfo"), ("WARC-Record-ID", self.info_id),
                                            ("WARC-Date", iso(self.clock)), ("WARC-Filename", relname.split("/")[-1]),
                                            ("Content-Type", "application/warc-fields")], info.encode("utf-8")))

    def record_id(self, kind: str, uri: str) -> str:
        return f"<urn:uuid:{uuid.uuid5(UUID_NAMESPACE, f'{self.relname}#{len(self.members)}#{kind}#{uri}')}>"

    def write(self, kind: str, record: bytes, truncate_to: float | None = None) -> tuple[int, int]:
        member = gzip_member(record)
        if truncate_to is not None:
            member = member[: int(len(member) * truncate_to)]
        index, offset = len(self.members), self.size
        self.members.append(member)
        self.size += len(member)
        self.type_counts[kind] = self.type_counts.get(kind, 0) + 1
        return index, offset

    def tick(self) -> str:
        self.clock += _dt.timedelta(seconds=self.rng.randint(2, 45))
        return iso(self.clock)

    def request(self, url: str, lang: str, date: str, concurrent_to: str) -> None:
        scheme_host, _, path = url.partition("://")[2].partition("/")
        block = (f"GET /{path} HTTP/1.1\r\nHost: {scheme_host}\r\n"
                 f"User-Agent: corpusforge-sample/1.0 (+https://corpusforge.example/crawler)\r\n"
                 f"Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\nAccept-Language: {lang},en;q=0.5\r\n"
                 f"Accept-Encoding: gzip\r\nConnection: close\r\n\r\n").encode("utf-8")
        self.write("request", warc_record([("WARC-Type", "request"), ("WARC-Record-ID", self.record_id("request", url)),
                                           ("WARC-Date", date), ("WARC-Target-URI", url), ("WARC-Concurrent-To", concurrent_to),
                                           ("WARC-Warcinfo-ID", self.info_id),
                                           ("Content-Type", "application/http; msgtype=request")], block))

    def response(self, url: str, lang: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
                 payload: bytes | None = None, truncate_to: float | None = None) -> dict[str, Any]:
        """A request record followed by its response record; returns where the response is."""
        date = self.tick()
        response_id = self.record_id("response", url)
        self.request(url, lang, date, response_id)
        headers = [(k, http_date(self.clock) if k == "Date" else v) for k, v in headers]
        http_head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        block = http_head.encode("latin-1") + body
        fields = [("WARC-Type", "response"), ("WARC-Record-ID", response_id), ("WARC-Date", date), ("WARC-Target-URI", url),
                  ("WARC-IP-Address", host_ip(url.split("/")[2])), ("WARC-Warcinfo-ID", self.info_id),
                  ("Content-Type", "application/http; msgtype=response"),
                  ("WARC-Payload-Digest", sha1_b32(body if payload is None else payload))]
        index, offset = self.write("response", warc_record(fields, block), truncate_to)
        return {"record": index, "offset": offset, "record_id": response_id, "date": date, "http_head": http_head,
                "payload_digest": sha1_b32(body if payload is None else payload)}

    def metadata(self, url: str, concurrent_to: str, date: str) -> None:
        block = (f"via: https://{url.split('/')[2]}/\r\nhopsFromSeed: L\r\n"
                 f"fetchTimeMs: {self.rng.randint(80, 900)}\r\noutlinks: {self.rng.randint(5, 60)}\r\n").encode("utf-8")
        self.write("metadata", warc_record([("WARC-Type", "metadata"), ("WARC-Record-ID", self.record_id("metadata", url)),
                                            ("WARC-Date", date), ("WARC-Target-URI", url), ("WARC-Concurrent-To", concurrent_to),
                                            ("WARC-Warcinfo-ID", self.info_id), ("Content-Type", "application/warc-fields")], block))

    def revisit(self, url: str, lang: str, original: dict[str, Any]) -> dict[str, Any]:
        date = self.tick()
        revisit_id = self.record_id("revisit", url)
        self.request(url, lang, date, revisit_id)
        block = original["http_head"].encode("latin-1")
        fields = [("WARC-Type", "revisit"), ("WARC-Record-ID", revisit_id), ("WARC-Date", date), ("WARC-Target-URI", url),
                  ("WARC-Warcinfo-ID", self.info_id),
                  ("WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"),
                  ("WARC-Refers-To", original["record_id"]), ("WARC-Refers-To-Target-URI", url),
                  ("WARC-Refers-To-Date", original["date"]), ("Content-Type", "application/http; msgtype=response"),
                  ("WARC-Payload-Digest", original["payload_digest"])]
        index, offset = self.write("revisit", warc_record(fields, block))
        return {"record": index, "offset": offset}

    def data(self) -> bytes:
        return b"".join(self.members)


# ---------------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------------

# case -> (what it is, what the pipeline should do with it)
CASES = {
    "normal": ("A well-formed page or document in a kept language; web pages sit in light site chrome (logo, short nav, footer).", "keep"),
    "boilerplate": ("A well-formed article inside heavy site chrome: cookie banner, navigation, search, breadcrumbs, share links, "
                    "related articles, a comment section, a newsletter box, an ad slot, a footer and scripts.", "keep"),
    "exact_duplicate": ("The same text as `duplicate_of` under another URL (tracking parameters, http, www, mirror hosts); "
                        "WARC copies have byte-identical HTML.", "drop:exact_dedup"),
    "near_duplicate": ("A copy of `duplicate_of` with a few words changed and/or a sentence added; `similarity` is the "
                       "shingle Jaccard to it.", "drop:near_dedup"),
    "low_quality": ("Spam or junk, by `subcase`: keyword_stuffing, repeated_lines, link_farm, lorem_ipsum, too_short, "
                    "symbols, bullet_list, no_punctuation.", "drop:quality"),
    "pii": ("A well-formed document with planted PII, listed in `pii` (reserved or test values only).", "keep_redacted"),
    "profanity": ("A document with a blocklisted word, listed in `words`: plain profanity, an innocent use "
                  "(`innocent_context`), or adult spam.", "drop:word_blocklist"),
    "blocked_domain": (f"A well-formed document on a host under {BLOCKED_DOMAIN}.", "drop:url_blocklist"),
    "other_language": ("A well-formed document in a language the sample recipe does not keep (it, pt, nl, ru).", "drop:language"),
    "non_html": ("A 200 response that is not HTML: PDF, PNG, JSON, CSS, JavaScript.", "skip"),
    "non_200": ("A 301, 404, 500 or 503 response.", "skip"),
    "revisit": ("A revisit record (identical-payload-digest profile) of an earlier response in the same file.", "skip"),
    "malformed": ("The last record of web/crawl-02.warc.gz: a response whose gzip member is cut off mid-stream.", "dead_letter"),
    "invalid_json": ("A JSONL line that is not valid JSON (cut off mid-string).", "dead_letter"),
    "blank_line": ("An empty JSONL line.", "skip"),
    "missing_text": ("A JSONL object with no `text` field.", "dead_letter"),
}
CHARSET_HEADER = {"utf-8": "utf-8", "shift_jis": "Shift_JIS", "gbk": "GBK", "windows-1252": "windows-1252",
                  "iso-8859-1": "ISO-8859-1", "euc-jp": None}
WARC_FILES = ["web/crawl-00.warc.gz", "web/crawl-01.warc.gz", "web/crawl-02.warc.gz"]
JSONL_FILES = ["jsonl/docs-00.jsonl", "jsonl/docs-01.jsonl.gz"]


def doc_entry(doc: Doc) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": doc.key, "case": doc.case}
    for name in ("subcase", "lang", "genre", "variant", "duplicate_of", "similarity"):
        value = getattr(doc, name)
        if value is not None:
            entry[name] = value
    if doc.pii:
        entry["pii"] = doc.pii
    if doc.words:
        entry["words"] = doc.words
    entry["expect"] = CASES[doc.case][1]
    return entry


def render_response(doc: Doc, rng: random.Random, related: list[Doc]) -> tuple[list[tuple[str, str]], bytes, bytes, str]:
    """(HTTP headers, body as sent, payload for the digest, charset) for one page."""
    variant = doc.variant or ""
    charset = variant.split("=")[1] if "charset=" in variant else "utf-8"
    page = render_page(doc, rng, related, charset).encode(charset, errors="xmlcharrefreplace")  # © in sjis &c.
    content_type = "text/html" if CHARSET_HEADER[charset] is None else f"text/html; charset={CHARSET_HEADER[charset]}"
    date = _dt.datetime.strptime(doc.date, "%Y-%m-%d").replace(hour=9, tzinfo=_dt.timezone.utc)
    headers = [("Date", http_date(BASE_DATE)), ("Server", "nginx"), ("Content-Type", content_type)]
    body, payload = page, page
    if variant == "content-encoding=gzip":
        body = payload = gzip_member(page)
        headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
    if variant == "transfer-encoding=chunked":
        body = chunked(page)
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        headers.append(("Content-Length", str(len(body))))
    headers += [("Last-Modified", http_date(date)), ("Cache-Control", "max-age=600"), ("Connection", "close")]
    return headers, body, payload, charset


def generate(out_dir: Path) -> dict[str, Any]:
    rng = random.Random(SEED)
    builder = build_documents(rng)
    docs = builder.docs

    # Render every original page once; exact duplicates reuse the original's bytes.
    rendered: dict[str, tuple[list[tuple[str, str]], bytes, bytes, str]] = {}
    for doc in docs:
        if doc.source != "warc" or doc.case == "exact_duplicate":
            continue
        related = [d for d in docs if d.source == "warc" and d.case == "normal" and d.key != doc.key
                   and (d.lang, d.genre) == (doc.lang, doc.genre)]  # the same site's other articles
        related = rng.sample(related, min(7, len(related))) if doc.heavy else []
        rendered[doc.key] = render_response(doc, rng, related)
    for doc in docs:
        if doc.source == "warc" and doc.case == "exact_duplicate":
            rendered[doc.key] = rendered[doc.duplicate_of]

    malformed = next(d for d in docs if d.case == "malformed")
    items: list[Any] = [d for d in docs if d.source == "warc" and d is not malformed] + extra_responses()
    rng.shuffle(items)
    third = (len(items) + 2) // 3
    chunks = [items[:third], items[third:2 * third], items[2 * third:]]

    originals_of_copies = {d.duplicate_of for d in docs if d.duplicate_of}
    entries: list[dict[str, Any]] = []
    warc_bytes: dict[str, bytes] = {}
    warc_types: dict[str, dict[str, int]] = {}
    for file_no, (relname, chunk) in enumerate(zip(WARC_FILES, chunks)):
        out = WarcOut(relname, file_no, rng)
        revisit_of = None
        for position, item in enumerate(chunk):
            if isinstance(item, Doc):
                headers, body, payload, charset = rendered[item.key]
                where = out.response(item.url, item.lang, 200, "OK", headers, body, payload)
                entry = {"source": "warc", "file": relname, "record": where["record"], "offset": where["offset"],
                         "warc_type": "response", "url": item.url, "status": 200,
                         "content_type": dict(headers)["Content-Type"], "charset": charset, **doc_entry(item)}
                if (file_no == 1 and revisit_of is None and item.case == "normal" and item.lang == "en"
                        and item.variant is None and item.key not in originals_of_copies):
                    revisit_of = (item, where)
            else:
                url, status, reason, content_type, body, extra, case = item
                headers = [("Date", http_date(BASE_DATE)), ("Server", "nginx"), ("Content-Type", content_type),
                           ("Content-Length", str(len(body))), *extra, ("Connection", "close")]
                where = out.response(url, "en", status, reason, headers, body)
                entry = {"source": "warc", "file": relname, "record": where["record"], "offset": where["offset"],
                         "warc_type": "response", "url": url, "status": status, "content_type": content_type,
                         "case": case, "expect": CASES[case][1]}
            entries.append(entry)
            if (file_no, position) in {(0, 2), (0, 9), (1, 4), (1, 19)}:
                out.metadata(entry["url"], where["record_id"], where["date"])
        if revisit_of is not None:
            doc, original = revisit_of
            where = out.revisit(doc.url, doc.lang, original)
            entries.append({"source": "warc", "file": relname, "record": where["record"], "offset": where["offset"],
                            "warc_type": "revisit", "url": doc.url, "status": 200, "case": "revisit",
                            "refers_to_record": original["record"], "expect": CASES["revisit"][1]})
        if file_no == 2:
            headers, body, payload, charset = rendered[malformed.key]
            where = out.response(malformed.url, malformed.lang, 200, "OK", headers, body, payload, truncate_to=0.6)
            entries.append({"source": "warc", "file": relname, "record": where["record"], "offset": where["offset"],
                            "warc_type": "response", "url": malformed.url, "status": 200,
                            "content_type": dict(headers)["Content-Type"], "charset": charset, **doc_entry(malformed)})
        warc_bytes[relname] = out.data()
        warc_types[relname] = dict(sorted(out.type_counts.items()))

    # JSONL: documents in shuffled order, three hostile lines in the plain file.
    jsonl_docs = [d for d in docs if d.source == "jsonl"]
    rng.shuffle(jsonl_docs)
    split = 44
    jsonl_lines: dict[str, list[str]] = {name: [] for name in JSONL_FILES}
    next_id = 1
    hostile_at = {9: "invalid_json", 21: "blank_line", 33: "missing_text"}
    for relname, group in ((JSONL_FILES[0], jsonl_docs[:split]), (JSONL_FILES[1], jsonl_docs[split:])):
        lines = jsonl_lines[relname]
        for doc in group:
            if relname == JSONL_FILES[0] and len(lines) + 1 in hostile_at:
                case = hostile_at[len(lines) + 1]
                record_id = f"sample-{next_id:04d}"
                next_id += 1
                if case == "invalid_json":
                    lines.append(f'{{"id": "{record_id}", "text": "Opening hours change in December, so please check the')
                elif case == "blank_line":
                    lines.append("")
                else:
                    lines.append(json.dumps({"id": record_id, "url": "https://harborkitchen.example/recipe/draft",
                                             "date": "2026-10-02"}, ensure_ascii=False))
                entry = {"source": "jsonl", "file": relname, "line": len(lines), "case": case, "expect": CASES[case][1]}
                if case != "blank_line":
                    entry["id"] = record_id
                entries.append(entry)
            record_id = f"sample-{next_id:04d}"
            next_id += 1
            lines.append(json.dumps({"id": record_id, "text": doc.jsonl_text, "url": doc.url, "date": doc.date},
                                    ensure_ascii=False))
            entries.append({"source": "jsonl", "file": relname, "line": len(lines), "id": record_id, "url": doc.url,
                            **doc_entry(doc)})

    # Write everything.
    outputs: dict[str, bytes] = dict(warc_bytes)
    outputs[JSONL_FILES[0]] = ("\n".join(jsonl_lines[JSONL_FILES[0]]) + "\n").encode("utf-8")
    outputs[JSONL_FILES[1]] = gzip_member(("\n".join(jsonl_lines[JSONL_FILES[1]]) + "\n").encode("utf-8"))

    text_entries = [e for e in entries if "lang" in e]
    by_case: dict[str, dict[str, int]] = {}
    for e in entries:
        counts = by_case.setdefault(e["case"], {"total": 0, "warc": 0, "jsonl": 0})
        counts["total"] += 1
        counts[e["source"]] += 1
    by_lang: dict[str, int] = {}
    for e in text_entries:
        by_lang[e["lang"]] = by_lang.get(e["lang"], 0) + 1
    subcases: dict[str, int] = {}
    for e in entries:
        if e["case"] == "low_quality":
            subcases[e["subcase"]] = subcases.get(e["subcase"], 0) + 1
    manifest = {
        "about": "What every WARC response/revisit record and every JSONL line of the sample is. Written by "
                 "samples/make_sample.py; the pipeline never reads this file.",
        "seed": SEED,
        "kept_languages": list(KEPT_LANGS),
        "blocked_domain": BLOCKED_DOMAIN,
        "similarity": "Jaccard similarity of word 5-gram shingles of the lower-cased text (character 5-grams, "
                      "whitespace removed, for ja and zh), on the title and paragraphs",
        "near_duplicate_range": list(NEAR_DUP_RANGE),
        "cases": {name: {"description": description, "expect": expect} for name, (description, expect) in CASES.items()},
        "counts": {
            "documents": len(text_entries),
            "by_case": dict(sorted(by_case.items(), key=lambda kv: list(CASES).index(kv[0]))),
            "low_quality_subcases": dict(sorted(subcases.items())),
            "by_language": dict(sorted(by_lang.items(), key=lambda kv: (-kv[1], kv[0]))),
            "warc_records": warc_types,
            "jsonl_lines": {name: len(lines) for name, lines in jsonl_lines.items()},
        },
        "entries": entries,
    }
    outputs["cases.json"] = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    for relname, data in outputs.items():
        path = out_dir / relname
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return manifest


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    manifest = generate(out_dir)
    counts = manifest["counts"]
    print(f"wrote the sample corpus to {out_dir}: {counts['documents']} documents")
    for case, n in counts["by_case"].items():
        print(f"  {case:16} {n['total']:4}  (warc {n['warc']}, jsonl {n['jsonl']})")
    print("  languages: " + ", ".join(f"{lang} {n}" for lang, n in counts["by_language"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
