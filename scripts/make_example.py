#!/usr/bin/env python3
"""Generate examples/feedback.csv, the bundled example survey export for npsight.

Four weeks (2026-10-26 to 2026-11-22) of post-contact NPS survey answers from
the contact centre of "Northwind Telecom", a fictional broadband and mobile
provider. Every comment below was written for this file; none comes from a
real data set. The data carry a story for the report to find (see
examples/README.md) and a handful of deliberately messy rows.

Deterministic: the random generator has a fixed seed and nothing depends on
hash order or the clock, so two runs give identical bytes.

    python3 scripts/make_example.py            # writes examples/feedback.csv
    python3 scripts/make_example.py -o x.csv   # writes elsewhere
    python3 scripts/make_example.py -o -       # writes to stdout
"""

import argparse
import csv
import datetime
import io
import os
import random
import sys

# Every seed tells the same story; this one keeps weeks 1-3 level, so the
# outage is the only week-to-week move and chance does not invent another.
SEED = 20261116
FIRST_DAY = datetime.date(2026, 10, 26)  # a Monday
WEEKS = 4
OUTAGE_WEEK = 3  # zero-based: 2026-11-16 .. 2026-11-22
ROWS_PER_WEEK = [126, 124, 127, 143]  # the outage week brought more contacts
EMPTY_SHARE = 0.08
CHANNEL_SHARE = {"phone": 0.50, "chat": 0.23, "email": 0.18, "social": 0.09}
TEAM_SHARE = {
    "Billing": 0.26,
    "Tech Support": 0.28,
    "Sales & Retention": 0.22,
    "General Enquiries": 0.24,
}
# Comments that fit any team lean where such comments come from in real
# life: generic complaints towards Billing and Tech Support, generic praise
# towards General Enquiries.
FREE_TEAM_TILT = {
    "D": {"Billing": 1.6, "Tech Support": 1.3, "General Enquiries": 0.5},
    "P": {"Billing": 0.6, "Tech Support": 0.9, "General Enquiries": 1.5},
}
LANGUAGE_SHARE_EN = 0.45  # the other six languages share the rest evenly
# Rows a careful loader must reject, at fixed positions in date order.
BAD_SCORES = [(57, "N/A"), (190, "11"), (333, ""), (481, "seven")]

COLUMNS = ["response_id", "date", "channel", "team", "agent", "nps_score",
           "agent_score", "csat", "ces", "fcr", "comment"]

TEAM_CODES = {"B": "Billing", "T": "Tech Support", "S": "Sales & Retention",
              "G": "General Enquiries"}
CHANNEL_CODES = {"p": "phone", "c": "chat", "e": "email", "s": "social"}

# Agents with the language they handle besides English, and whether comments
# call them "she" or "he". Customers are routed to an agent who speaks their
# language, so a German comment only ever lands on a German-speaking agent;
# English comments can reach anyone.
AGENTS = {
    "Billing": [("Lukas Becker", "de", "m"), ("Chloé Martin", "fr", "f"),
                ("Wei Zhang", "zh", "m"), ("Sofía Morales", "es", "f"),
                ("James Carter", "", "m")],
    "Tech Support": [("Anna Novak", "de", "f"), ("Minh Tran", "vi", "m"),
                     ("Dmitri Sokolov", "ru", "m"), ("Camille Dubois", "fr", "f"),
                     ("Diego Ramírez", "es", "m")],
    "Sales & Retention": [("Olga Ivanova", "ru", "f"), ("Mateo Fernández", "es", "m"),
                          ("Jun Chen", "zh", "m"), ("Hugo Lefèvre", "fr", "m"),
                          ("Priya Sharma", "", "f")],
    "General Enquiries": [("Lucía Gómez", "es", "f"), ("Linh Nguyen", "vi", "f"),
                          ("Mei Lin", "zh", "f"), ("Jonas Weber", "de", "m"),
                          ("Emma Wilson", "", "f")],
}
# The story: one Tech Support agent is curt with customers, another is the
# team's expert.
RUDE_AGENT = "Anna Novak"
EXPERT_AGENT = "Minh Tran"

# ---------------------------------------------------------------------------
# The comment bank.
#
# One comment per line: class | teams | channels | week | agent | themes | text
#   class    P promoter, A passive or neutral, O lukewarm ("so-so"),
#            M mixed (agent praised, process or product blamed),
#            D detractor blaming process or product,
#            N detractor blaming the agent, X praise with a very low score,
#            Y complaint with a 10 (customers misread the scale)
#   teams    letters of B T S G, or * for any team with an agent who speaks
#            the language
#   channels letters of p c e s (phone chat email social), or *
#   week     4 for the outage week only, or *
#   agent    first name of the agent the comment is about, f or m when the
#            text says "she" or "he" (or a gendered noun), or *
#   themes   the default themes the text touches (documentation for whoever
#            reads this file and for checking the story; not written out):
#            wt wait_time, tr transfers, cr compliance_reading,
#            ve verification, pw paperwork, aa agent_attitude,
#            ak agent_knowledge, re resolution, rc repeat_contact,
#            cb callback, ivr, ss self_service, ca channel_access,
#            pe personalization, bi billing, ti technical_issue; - for none
# Each line is used exactly once. Lines starting with # are notes.
# ---------------------------------------------------------------------------

BANK = {}

BANK["en"] = r"""
# short, no theme
P|*|*|*|*|-|Excellent, thank you
P|*|*|*|*|-|Could not ask for more.
A|*|*|*|*|-|It was ok
O|*|*|*|*|-|Fine. Nothing special
A|*|*|*|*|-|no complaints really
D|*|*|*|*|-|Terrible
D|*|*|*|*|-|Awful experience, I will be leaving as soon as my contract ends.
A|*|*|*|*|re|it was fine i guess, problem sorted untill next time lol
P|*|*|*|*|aa|agent was definately the most helpful person ive spoken to at northwind
P|*|c|*|*|wt|v quick thx
A|*|p|*|*|-|Nothing to add, the call was fine and I got what I needed.
P|*|*|*|*|-|I've been with Northwind for nine years and I keep recommending you to friends. Today was another good example of why.
# phone: queues and the voice menu
D|*|p|4|*|wt|On hold for 40 minutes before anyone picked up. Ridiculous for a company this size.
A|*|p|*|*|ivr|Your phone menu is a maze. None of the options matched what I needed so I just kept pressing 0 until something happened.
M|*|p|4|*|wt,aa|Lovely agent but the wait was far too long, nearly 35 minutes.
M|*|p|*|*|wt,re|Got it sorted in the end but 50 mins on hold with the same song on loop nearly drove me mad
D|*|p|4|*|wt,ca|Lines are always busy. Tried three times yesterday and got cut off after 20 minutes each time.
D|*|p|*|*|ivr|The automated voice kept saying "sorry, I didn't catch that". I was shouting BILLING at my phone like an idiot in the middle of the office.
P|*|p|*|*|wt|Answered straight away, which surprised me!
P|*|p|*|*|wt,re|Picked up within a couple of minutes and sorted in one call. Brilliant.
D|*|p|*|*|ivr,ss|Why does the phone menu tell me to go to the website every 30 seconds? I'm calling because the website didn't work.
A|*|p|*|*|ivr|the press 1 press 2 thing is annoying but the person I got was fine
M|*|p|*|*|wt,ak|Long hold time, around 25 mins, but the agent knew exactly what to do once I got through.
D|*|p|*|*|ivr,tr|Chose the option for broadband and ended up in sales. Then I was transferred. Then transferred again. By the end I'd forgotten why I called.
D|*|p|*|*|wt|Loved the hold music so much I got to enjoy it for a full hour. Thanks Northwind.
D|*|p|4|*|wt|Oh great, another "we are experiencing higher than usual call volumes". Every single day apparently.
A|*|p|*|*|wt,cb|The queue said 10 minutes, it was actually 45. Give people the option of a call back instead of making them sit there.
P|*|p|*|*|ivr,wt|The new voice menu actually understood me first time and I was through to a person in 2 minutes. Impressed
M|*|p|*|*|wt,re|Half an hour in the queue is too long, but once I was through the whole thing took five minutes and it's fixed.
# chat
P|*|c|*|*|wt|Chat was quick, had an answer in under five minutes.
P|*|c|*|*|wt,re|Really fast on chat and fixed it while I was still having my coffee
A|*|c|*|*|ss|The chatbot was useless but once I got a real person it was fine.
D|*|c|*|*|ss,tr|Chatbot kept giving me the same 3 links. When I finally got a human they said they couldn't help on chat and I had to phone.
M|*|c|*|*|wt,aa|The agent on chat was polite but kept disappearing for 5-10 minutes between messages. I had other things to do.
P|*|c|*|*|ak|The chat agent sent me clear step by step instructions, worked first time.
P|*|c|*|*|wt|less than 2 min wait on chat, perfect
A|*|c|*|*|pe|Fine but I had to explain everything again because the chat didn't have my previous conversation.
P|*|c|*|*|wt,re|Super quick on chat 👍👍 problem gone 🎉
P|*|c|*|*|wt,ss|Much better than waiting on the phone. The chat even sent me a link to do it myself in the app next time.
# email
A|*|e|*|*|wt|Sent an email, got a reply four days later. Way too slow for something this simple.
D|*|e|*|*|wt,rc|Emailed three times before anyone answered, and the answer didn't even address my question.
M|*|e|*|*|wt,ak|Very thorough answer by email, just wish it hadn't taken a week.
P|*|e|*|*|re|Clear written answer, everything I needed in one email.
D|*|e|*|*|wt|Still waiting for a proper reply to my email from 2 weeks ago. The automated acknowledgement does not count!
A|*|e|*|*|wt|The answer was helpful. Three working days for a reply is slow though, chat would have been quicker.
# social media
D|*|s|*|*|ca,wt|Only got a reply after I complained publicly on twitter. Says it all really.
P|*|s|*|*|wt|Messaged you on Facebook and got a reply within the hour, nice one
A|*|s|*|*|tr|The social team were quick but just told me to ring the number. So what's the point?
P|*|s|*|*|re|Social media team sorted my issue faster than the phone line ever did.
# app and website
P|*|ce|*|*|ss|The app now shows my bill breakdown, saved me a call. The agent just confirmed it.
A|*|*|*|*|ss|Website keeps logging me out when I try to change my plan. That's why I had to contact you at all.
D|*|*|*|*|ss,pw|Tried to update my address online, the form crashed twice, then I was told I need to send proof of address by post. In 2026.
A|*|c|*|*|ss|Would have preferred to do this in the app but the option isn't there yet.
M|*|*|*|*|ss,aa|Agent was great, but I shouldn't need to contact anyone just to download an invoice. Please fix the app.
P|*|*|*|*|ss|Good to know I can do it in the app next time, the agent showed me where.
# Billing: double charges, refunds, and being passed around
D|B|*|*|*|bi|Charged twice for October. Nobody can tell me when I get my money back.
D|B|*|*|*|bi,rc|Third time contacting you about the same double charge. Still not refunded.
D|B|p|*|*|bi,tr|Transferred four times between billing and accounts, each time explaining the double charge from scratch.
M|B|*|*|f|bi,aa|The lady was very nice and apologised, but the refund will take 10 working days, which is not acceptable when you took the money twice.
D|B|*|*|*|bi|My bill went up by £8 with no warning. When I asked why I was told it's in the terms. Looking for a new provider.
M|B|*|*|f|bi,tr,aa|Agent did her best but she had to transfer me to refunds and they put me back in the queue
D|B|*|*|*|bi,tr|Why does billing not have access to refunds? I was passed around like a parcel.
A|B|*|*|*|bi,re|Got a credit on my account for the wrong charge. Happy enough.
P|B|p|*|*|bi,re|Refund was processed while I was on the line. Great!
P|B|*|*|*|bi,ak|Explained my bill line by line, I finally understand what I'm paying for.
D|B|*|*|*|bi,cb|I was told someone from the refunds team would call me within 48h about the double payment. Nothing. A week later, still nothing.
D|B|*|*|*|bi,pw|You want me to fill in a refund claim form and post it? For YOUR mistake?
M|B|*|*|*|bi,tr|Can't fault the agent. The problem is the system: billing can't fix anything and sends you to someone else.
A|B|*|*|*|bi|Explained the pro-rata charges, still think its too expensive tho
P|B|*|*|james|bi,aa|James was patient and sorted the wrong charge without any fuss. Thank you.
D|B|p|*|*|bi,tr,wt|45 min on hold to billing only to be told to call another number for refunds. Absolutely shocking.
M|B|*|*|*|bi|Nice people, awful billing system
D|B|*|*|*|bi,rc|this is my 4th contact about the same invoice error. every agent says its fixed and next month its wrong again
X|B|*|*|*|bi,re|Very helpful, refund done straight away, thanks a lot
Y|B|*|*|*|bi,wt|Took forever and I was charged twice, but whatever
A|B|e|*|*|bi|Invoice corrected, but it took a couple of emails.
P|B|*|*|*|bi,aa|Friendly, quick, and my refund was confirmed the same day.
D|B|*|*|*|bi,tr|Billing said it's a technical fault, tech said it's billing. Meanwhile I'm paying for a service that doesn't work.
M|B|*|*|sofía|aa,bi|Sofía was lovely. Still annoyed about the charges though.
D|B|*|*|*|bi|still havent recieved the refund you promised!!!
D|B|p|*|*|bi,wt|I HAVE BEEN CHARGED TWICE AND WAITED AN HOUR ON THE PHONE TO BE TOLD IT WILL TAKE TWO WEEKS. SORT IT OUT.
M|B|*|*|*|bi,tr,aa|Both people I spoke to were polite and clearly wanted to help. But the first one couldn't touch refunds, the second one couldn't see the first one's notes, and I still don't know if the double charge is reversed.
D|B|*|*|*|bi,rc|I was told last month the discount had been applied. It hasn't. I was told the month before that too. How many times do I have to ring about the same thing before someone actually fixes it?
A|B|*|*|*|bi,ak|The agent explained why the first bill after switching is higher. Makes sense now, but your welcome letter should say so.
# Tech Support: the broadband outage in the last week
D|T|p|4|*|ti,wt|Broadband down since Monday and I couldn't even get through on the phone. Over an hour on hold.
D|T|*|4|*|ti|No internet for 3 days. Working from home so this is costing me money.
M|T|*|4|*|ti,aa|Agent was honest about the outage and gave me a credit, appreciated. Still no internet though.
D|T|*|4|*|ti,rc|Called every day this week about the outage. Each time "should be fixed tomorrow".
D|T|p|4|*|ti,wt,ca|Couldn't get through at all yesterday, the line just said too many callers and hung up.
A|T|*|4|*|ti,re|Outage fixed after three days, some compensation would be nice.
D|T|*|4|*|ti,ss|Status page said no issues in my area while my whole street had no broadband. Please keep it updated.
D|T|p|4|*|wt,ti|90 minutes. Ninety. On hold. During an outage you caused.
P|T|c|4|*|ti,wt|Used chat during the outage, got a quick honest answer and a credit. Good handling of a bad situation.
D|T|*|4|*|ti,cb|Promised a call back when the outage was over. Never happened, I found out from my neighbour.
M|T|*|4|m|ti,ak|The guy explained what was going on with the outage better than your website did. Fix the network though!
D|T|s|4|*|ti|No broadband, no updates, no apology. Worst week with Northwind in 6 years.
Y|T|*|4|*|ti|Internet out for 4 days
D|T|p|4|*|ti,wt,ivr|Forty minutes listening to a recorded message telling me there's an outage, which I already knew, before I could report that my line is still dead.
D|T|*|4|*|ti,re|My business runs on this connection. Three days without it and the best you can offer is "we apologise for any inconvenience".
D|T|p|4|*|wt,ti|phoned 5 times today, never got past the queue. is anyone actually working there??
M|T|*|4|*|ti,aa|Appreciate the agent staying calm when I was not. But a whole town without broadband for days is not acceptable in this day and age.
D|T|p|4|*|ti,wt|Outage AND an hour on hold. Brilliant week.
# Tech Support: faults, the rude agent and the expert
D|T|*|*|*|ti,rc|Internet drops every evening around 8pm. Fourth time I'm reporting it.
P|T|p|*|*|ti,re,ak|Router issue fixed over the phone in ten minutes. Very knowledgeable.
P|T|*|*|minh|ak,re|Minh knew exactly what the problem was and talked me through the settings. Best support call I've had.
P|T|*|*|minh|ak|Minh was brilliant, clearly knows his stuff.
P|T|*|*|minh|ak,re|Minh spotted the line fault the previous agent had missed. Fixed on the first go.
P|T|*|*|minh|ak,aa|Patient, knowledgeable and didn't make me feel stupid for not knowing what DNS is.
P|T|c|*|minh|ak,wt|quick chat with minh, he sorted the wifi channels and it's been perfect since
A|T|*|*|minh|ak,ti|Good technical help, but the fault came back two days later.
P|T|*|*|minh|ak,re|The agent (Minh I think) explained the difference between the wifi bands and moved my TV box onto the other one. Streaming has been smooth ever since. Genuinely useful call.
N|T|p|*|anna|aa|Agent was rude and hung up on me.
N|T|*|*|anna|aa|Anna was very impatient and kept interrupting me. I felt rushed the whole time.
N|T|*|*|anna|aa,ak|She told me to "just restart the router" three times without listening to what I'd already done.
N|T|p|*|anna|aa|Condescending. I've worked in IT for 20 years, I don't need to be asked if it's plugged in, in that tone.
N|T|p|*|anna|aa,re|The agent sighed loudly every time I asked a question and ended the call before the issue was fixed.
N|T|*|*|anna|aa,tr|Anna basically told me it wasn't her problem and put me back in the queue.
A|T|*|*|anna|aa,re|The fix worked but the agent was quite abrupt.
N|T|*|*|anna|aa|Rude. That's it.
N|T|*|*|anna|aa,re|I asked if she could check the line from her side and she said "I already told you what to do". Then silence. Not how you speak to someone who pays you every month.
D|T|*|*|*|ti,cb|The engineer was supposed to call before coming. No call, no show.
D|T|*|*|*|ti,tr|Transferred from tech support to billing to sales and back to tech. Nobody wanted to own the problem.
P|T|*|*|*|ti,re|New router arrived next day and works great.
N|T|*|*|*|ti,ak|Was given wrong information about my router settings and lost the connection completely.
P|T|*|*|*|re|Problem solved first time. Can't ask for more than that.
D|T|*|*|*|ti,rc|speeds are half what i pay for. been on to you about it 3 times now
M|T|*|*|*|ti,ve|The tech help was good, but why do I need to answer five security questions to report a broken line?
P|T|c|*|*|ti,re,wt|Chat agent ran a line test while I waited and found the issue in minutes
Y|T|*|*|*|ti,rc|Third call about the same fault. Agents are great though.
D|T|*|*|*|ti|<b>Still no internet</b> after two engineer visits. <i>Fix it.</i>
M|T|p|*|m|ti,re,aa|Really nice lad on the phone and he booked an engineer for the next morning, which I appreciated. Slightly annoyed it took a fault in the first place, but fair play.
# Sales & Retention: scripts and security checks
D|S|*|*|*|cr|I just wanted to upgrade my package, not listen to 10 minutes of terms and conditions read out word by word.
D|S|*|*|f|cr|She read me the whole T&Cs. The WHOLE thing.
M|S|*|*|*|cr,aa|The agent was friendly, but the mandatory script at the end went on forever.
D|S|p|*|*|ve|Asked the same security questions three times in one call. If you don't trust me, why am I paying you?
D|S|*|*|*|ve,tr|Passed security, got transferred, had to pass security again. Then again.
D|S|*|*|*|ve|Couldn't answer the security question about my first pet (set up 10 years ago by my ex) so they wouldn't help me at all.
A|S|p|*|*|cr|Good deal in the end, just the legal stuff takes way too long on the phone.
P|S|*|*|priya|re,aa|Priya got me a better deal than I was expecting and didn't push anything I didn't need.
P|S|*|*|*|re|Retention team matched the competitor price. Staying.
N|S|*|*|*|aa|Tried to cancel, the agent kept trying to sell me more stuff. Just let me leave.
D|S|*|*|*|pw|Needed to sign and scan a contract form to change the account holder. Who has a scanner these days?
M|S|p|*|m|cr,ve|Nice guy, but between the security checks and the terms reading the call took 40 mins for a simple upgrade.
A|S|*|*|*|cr|Why do you have to read a 5 minute statement about cooling-off periods when I have been a customer for 12 years?
A|S|p|*|*|ve,pe|Verified myself in the app, then again on the phone, then again when transferred. Three times, same questions.
P|S|*|*|mateo|aa,re|Mateo was really helpful and honest about which package suited me.
X|S|*|*|f|aa|Lovely lady, sorted my new contract.
N|S|*|*|*|bi,aa|Promised a discount on the phone, it's not on my bill. Feels like I was lied to.
P|S|*|*|*|re|Upgrade done in 10 minutes, new router on its way.
M|S|*|*|m|cr,aa|The agent clearly hated reading the script as much as I hated listening to it. Not his fault.
D|S|*|*|*|ve,cr|Verification took 10 minutes, the terms took another 10, the actual change took 1.
D|S|*|*|*|cr|Congratulations on having the longest terms and conditions in the industry, I now know all of them by heart.
M|S|*|*|*|cr,re|I get that you have to tell me about the contract, but I'd already read it all online before calling. Could I not just tick a box? Otherwise the upgrade went smoothly.
P|S|p|*|*|re,aa|I called to cancel and came away with a cheaper plan and faster speeds. Well played, Northwind.
# General Enquiries: mostly fine, callbacks not always kept
P|G|*|*|emma|aa|Very friendly and helpful, thank you Emma!
P|G|*|*|*|re|Quick answer to my question, all sorted.
P|G|*|*|*|aa,re|Lovely person, sorted my address change in 5 minutes.
A|G|*|*|*|cb|Fine, but the call back I was promised came a day late.
D|G|*|*|*|cb|Nobody called back. Twice promised.
D|G|*|*|*|cb,rc|I was told someone would ring me by Friday. Nobody did, so I had to call again and start over.
P|G|p|*|*|ak|Knew the answer straight away, no need to put me on hold.
A|G|p|*|*|ca|Good help but your opening hours are too short, I can only call on my lunch break.
D|G|*|*|*|ca|Why isn't there a weekend phone line? Had to take time off work to call you.
P|G|*|*|*|aa|Really kind, took time to explain things to my mum who isn't great with technology.
P|G|p|*|f|cb|Called back exactly when she said she would. Rare these days!
M|G|*|*|*|cb,aa|Nice agent but the callback I was promised took 3 days.
P|G|*|*|jonas|aa|Jonas was very polite and patient.
A|G|*|*|*|pe|Had to give my account details twice but otherwise fine.
P|G|*|*|*|re|Moving house and the agent set everything up for the new address. Easy.
P|G|p|*|*|-|10/10 would call again lol
A|G|*|*|*|ss|Fine, but I'd have done it online if the website made it obvious how.
P|G|*|*|emma|aa,ak|Emma went above and beyond. She explained my options without any pressure.
D|G|*|*|*|cb|"We'll call you back within 24 hours". Still waiting, 5 days later.
P|G|*|*|*|aa|Helpful and cheerful even though it was clearly busy.
Y|G|*|*|*|cb|Nobody called me back as promised.
A|G|*|*|*|-|=HYPERLINK("http://example.com/claim","Claim your refund here")
P|G|p|*|f|aa,re|I rang to ask a simple question about my contract end date and the lady not only answered it, she pointed out I could save money by switching plans. Very pleased.
A|G|*|*|f|cb,re|Question answered, but she said she'd email me a summary and I haven't seen it.
P|G|*|*|*|pe|Nice that the agent could see my earlier chat and I didn't have to go through it all again.
# personal data that has to be redacted before comments are shared
D|B|*|*|*|bi|My name is Sarah Thompson, I'm the account holder, and I've been chasing this refund for weeks. Email me at sarah.thompson@example.com instead of calling please.
D|G|p|*|*|cb,wt|Please call me back on +44 7700 900123, I can't keep waiting on hold.
D|B|p|*|*|bi|I even read out my card number 4111 1111 1111 1111 twice on the call and the payment still failed.
D|B|c|*|*|bi|paid with 5555 5555 5555 4444 last week and you still say my account is overdue??
# more promoters: most happy customers write a line or two
P|*|p|*|f|wt,aa|Got through in about three minutes and the lady on the phone was lovely. Couldn't have been easier.
P|*|p|*|f|aa,re|Friendly, knew what she was doing, and fixed it on the first call. That's all I want really.
P|*|*|*|*|-|Great service as usual, thank you
P|*|*|*|*|re|Everything was sorted quickly and clearly explained.
P|*|*|*|m|aa|Really pleasant chap, made a boring job easy.
P|*|c|*|*|wt,re|Answered within a minute on chat and the problem was solved before I'd finished my tea.
P|*|e|*|*|wt,re|Email reply the next morning with exactly the answer I needed. Much better than last year.
P|*|s|*|*|wt,re|Sent a message on Twitter late at night and had a reply with a fix by breakfast. Impressed.
P|*|*|*|*|aa,pe|The agent already had my notes from the last call so I didn't have to explain it all again. Made a real difference.
P|*|*|*|f|ss,ak|She showed me how to check my usage in the app so I don't need to call next time. Very patient.
P|B|*|*|*|bi,re|Wrong charge spotted and refunded in the same call. Thank you for not making it difficult.
P|B|p|*|*|bi,aa|Was dreading calling about my bill but the agent was calm, clear and reversed the fee straight away.
P|B|*|*|*|bi,ak|Helpful explanation of why my first bill was higher, and a small credit for the trouble. Fair enough.
P|B|c|*|*|bi,wt|Quick chat about a duplicate payment, refunded within the day. No complaints.
P|T|*|*|*|ti,re|Engineer booked for the next day, arrived on time, broadband works perfectly now.
P|T|*|*|*|ak,re|Knew exactly what to check, sorted my wifi dropping out in ten minutes.
P|T|*|*|m|ti,ak|Great troubleshooting, he tested the line while we spoke and found a faulty filter. Simple fix.
P|T|c|*|m|ti,re|chat guy reset something on the line and its been fine all week. cheers
P|T|*|*|*|re|Resolved first time, which makes a change!
P|T|*|*|minh|ak|Minh again, and again he fixed it. Please clone him.
P|S|*|*|*|re,aa|Upgrade done quickly, clear about the price, no hard sell. Happy.
P|S|*|*|*|re|Good offer to stay, took five minutes. Thanks.
P|S|*|*|priya|aa,ak|Priya explained the new contract clearly and made sure I understood the price after the discount ends. Very honest.
P|G|*|*|f|aa,re|Lovely lady, answered all my questions and even checked if there was anything else. Great service.
P|G|*|*|*|re,wt|Short wait, quick answer, all done. Perfect.
P|G|*|*|emma|aa|Emma was an absolute star. Thank you.
P|G|*|*|f|cb|Said she'd call me back after checking, and she did, twenty minutes later. Nice touch.
P|G|*|*|*|ak,re|My question about moving my contract to my son was answered properly. Clear steps, no runaround.
P|*|*|*|*|-|Always a pleasure dealing with you.
P|*|p|*|*|ivr,wt|Menu was straightforward this time and I got the right department first go.
"""

BANK["de"] = r"""
P|*|*|*|*|-|Alles bestens, danke!
P|*|*|*|*|aa|Sehr freundlich und kompetent.
P|G|p|*|jonas|aa,re|Herr Weber war super nett und hat alles in einem Anruf erledigt.
P|*|p|*|*|wt|Sofort durchgekommen, keine Warteschleife. So muss das sein.
P|B|*|*|*|bi,re|Die doppelte Abbuchung wurde sofort erstattet. Danke!
P|*|c|*|*|wt,re|Im Chat ging es richtig schnell, Problem nach 10 Minuten gelöst. Viel angenehmer als die Warteschleife am Telefon.
P|G|*|*|*|re|Umzug problemlos gemeldet, alles klar.
P|*|*|*|*|-|Top!
A|*|*|*|*|-|Passt schon.
A|*|*|*|*|re|War ok, Problem gelöst, aber nichts Besonderes.
A|*|e|*|*|wt|Die Antwort per E-Mail kam erst nach 3 Tagen, war aber korrekt.
A|B|*|*|*|bi|Rechnung wurde korrigiert, aber warum passiert sowas überhaupt?
D|*|p|4|*|wt|45 Minuten in der Warteschleife. Das ist eine Frechheit, zumal die Ansage alle zwei Minuten behauptet, gleich sei jemand für mich da.
A|*|p|*|*|ivr|Das Sprachmenü versteht mich einfach nicht. Ich habe fünfmal "Rechnung" gesagt und bin trotzdem beim Vertrieb gelandet.
D|B|*|*|*|bi|Zweimal abgebucht und die Rückerstattung dauert angeblich 14 Tage. Unverschämt, abgebucht war das Geld in einer Sekunde, aber zurück geht es im Schneckentempo.
D|B|*|*|*|bi,tr|Von der Buchhaltung zur Technik und wieder zurück verbunden. Keiner war zuständig, und jedes Mal musste ich Kundennummer und Problem von vorne erklären.
D|B|*|*|*|bi,rc|Schon der dritte Anruf wegen derselben falschen Rechnung. Jedes Mal heißt es, jetzt sei alles korrigiert, und im nächsten Monat stimmt sie wieder nicht.
M|B|*|*|lukas|bi,aa|Herr Becker war sehr bemüht, aber Ihr Abrechnungssystem ist eine Katastrophe.
D|T|*|4|*|ti|Seit Montag kein Internet. Homeoffice unmöglich, und keiner kann sagen, wann es wieder geht.
D|T|p|4|*|ti,wt|Wegen der Störung über eine Stunde gewartet, dann bin ich aus der Leitung geflogen.
D|T|*|4|*|ti,cb|Rückruf wegen der Störung versprochen, nie gekommen. Dass es wieder geht, habe ich dann von den Nachbarn erfahren.
N|T|*|*|anna|aa|Die Mitarbeiterin war unfreundlich und hat mich ständig unterbrochen. Ich kam kaum zu Wort, und am Ende hatte sie das Problem trotzdem nicht verstanden.
N|T|*|*|anna|aa|Ich kam mir vor wie ein Idiot. So redet man nicht mit Kunden.
N|T|p|*|anna|aa,re|Sehr kurz angebunden, hat einfach aufgelegt, bevor das Problem gelöst war.
A|T|*|*|anna|ti,re|Problem gelöst, Freundlichkeit ausbaufähig.
D|G|p|*|*|cb|Der versprochene Rückruf kam nie. Musste wieder anrufen und alles von vorne erzählen.
A|G|*|*|*|ca|Nett, aber die Hotline ist am Wochenende nicht erreichbar. Das ist nicht mehr zeitgemäß.
P|G|*|*|*|ak,ss|Kompetente Beratung, wusste sofort Bescheid und hat mir noch gezeigt, wo ich das nächste Mal selbst in der App nachsehen kann.
M|*|p|*|m|wt,aa|Freundlicher Berater, aber 30 Minuten Wartezeit sind einfach zu viel.
D|*|*|*|*|-|Nie wieder.
O|*|*|*|*|-|geht so
P|G|*|*|*|cb|Der Rückruf kam pünktlich zur vereinbarten Zeit, sehr gut. So etwas erlebt man bei Telefonanbietern selten.
X|G|*|*|m|aa|Sehr netter Mitarbeiter, hat mir gut geholfen.
P|*|p|*|*|ss|Die neue App ist echt gut, Rechnung jetzt selbst runtergeladen. Hätte ich das früher gewusst, hätte ich mir den Anruf gespart.
D|B|*|*|*|bi,rc|Bitte überweisen Sie die Erstattung endlich auf mein Konto DE89 3704 0044 0532 0130 00, ich habe die IBAN schon dreimal durchgegeben.
A|G|*|*|*|cb|Rufen Sie mich bitte unter +49 30 1234567 zurück, ich bin tagsüber erreichbar. Die Frage zum Vertrag ist noch offen.
P|T|*|*|*|ti,re|Der Router wurde am nächsten Tag ausgetauscht, seitdem läuft alles stabil. Danke für die schnelle Hilfe.
M|B|*|*|m|bi,aa,tr|Der Mitarbeiter war wirklich freundlich und hat sich entschuldigt. Trotzdem wurde ich zweimal weiterverbunden, und ob die Gutschrift kommt, weiß ich immer noch nicht.
P|*|*|*|*|aa,re|Sehr freundliche Beratung, mein Anliegen wurde sofort erledigt. Gerne wieder.
P|B|*|*|lukas|bi,ak|Herr Becker hat mir die Rechnung genau erklärt und die falsche Gebühr gleich gutgeschrieben.
P|G|*|*|*|wt,re|Kurze Wartezeit, kompetente Auskunft, alles bestens.
P|*|c|*|*|wt|Chat-Antwort innerhalb von zwei Minuten. Klasse!
P|G|*|*|jonas|aa,cb|Herr Weber hat wie versprochen zurückgerufen und alles geklärt. Vorbildlich.
P|*|*|*|*|-|Schnell, freundlich, unkompliziert. Danke!
"""

BANK["fr"] = r"""
P|*|*|*|*|-|Très bien, merci.
P|*|*|*|f|aa|Conseillère très aimable et efficace.
P|T|*|*|camille|ak,re|Camille a trouvé la panne en quelques minutes, bravo ! Elle a même vérifié que tout fonctionnait avant de raccrocher.
P|*|c|*|*|wt|Réponse rapide sur le chat, parfait.
P|B|p|*|*|bi,re|Remboursement effectué pendant l'appel, rien à redire. C'est exactement ce qu'on attend d'un service client.
P|S|*|*|hugo|re|Hugo m'a proposé une offre plus avantageuse, je reste chez vous.
P|*|*|*|*|re|Problème réglé du premier coup.
O|*|*|*|*|-|Correct, sans plus.
A|*|e|*|*|wt|Réponse par mail au bout de 4 jours, mais elle était claire.
A|S|*|*|*|cr|L'offre est bonne mais la lecture des conditions générales au téléphone, c'est interminable.
A|T|*|*|*|ti,re|Ça fonctionne à nouveau, on verra combien de temps. C'est déjà la deuxième coupure ce mois-ci.
D|*|p|*|*|wt|40 minutes d'attente, c'est inadmissible. Et la musique d'attente, toujours la même, n'aide vraiment pas.
D|*|p|*|*|ivr|Le serveur vocal est un vrai labyrinthe, impossible de tomber sur la bonne personne.
D|B|*|*|*|bi|Prélevé deux fois ce mois-ci et toujours pas remboursé. On me demande d'attendre dix jours ouvrés, mais pour prélever, vous n'avez pas attendu.
D|B|*|*|*|bi,tr|On m'a transféré trois fois entre la facturation et le service client. Personne n'est responsable de rien.
D|B|*|*|*|bi,rc|C'est la troisième fois que j'appelle pour la même erreur de facture.
M|B|*|*|chloé|bi,aa|Chloé a été adorable mais le remboursement prendra 10 jours, c'est trop long.
D|B|*|*|*|bi|Augmentation de tarif sans prévenir, découverte en lisant ma facture. Je vais résilier.
D|T|*|4|*|ti|Plus d'internet depuis lundi, aucune information sur la durée de la panne. Je travaille de chez moi, c'est une catastrophe.
D|T|p|4|*|ti,wt|Panne générale et une heure d'attente au téléphone pour s'entendre dire qu'on ne sait rien.
M|T|*|4|f|ti,aa|Conseillère sympa et honnête sur la panne, mais trois jours sans connexion, c'est long.
N|T|*|*|*|ti,ak|On m'a donné une mauvaise information sur la box et j'ai tout perdu.
D|S|p|*|*|ve|Trois fois les mêmes questions de sécurité dans le même appel, alors que j'étais déjà identifié dans l'application. Ridicule.
D|S|*|*|*|cr|On m'a lu tout le contrat mot pour mot. Vingt minutes ! Je voulais juste passer à la fibre, pas assister à une lecture publique.
M|S|*|*|m|cr,aa|Conseiller très poli, mais le script obligatoire n'en finit pas.
N|S|*|*|*|aa|Je voulais résilier, on a essayé de me vendre une nouvelle offre pendant 15 minutes.
D|*|*|*|*|-|Nul.
O|*|*|*|*|-|Bof.
P|*|*|*|*|-|Parfait !
P|*|*|*|m|aa|Très patient avec moi, merci beaucoup.
A|*|c|*|f|ss|Le chatbot ne sert à rien, mais la conseillère derrière était bien.
Y|B|*|*|*|bi|Toujours pas remboursé
P|T|c|*|*|ti,re|Test de ligne fait en direct sur le chat, problème trouvé tout de suite. Top.
D|B|*|*|*|bi|Je m'appelle Claire Moreau, cliente depuis 2015 : merci de me contacter à claire.moreau@example.fr pour le remboursement, je ne peux pas attendre au téléphone.
P|B|*|*|f|bi,ak|La conseillère m'a expliqué ma facture ligne par ligne, enfin j'y comprends quelque chose.
D|T|p|4|*|ti,ivr|Le message enregistré sur la panne tourne en boucle, aucune date de rétablissement, puis ça raccroche tout seul.
M|S|*|*|m|ve,aa|Le conseiller était agréable, mais entre les questions de sécurité et les vérifications, j'ai passé plus de temps à prouver qui je suis qu'à parler de mon offre.
P|*|p|*|m|aa,re|Conseiller souriant et efficace, tout a été réglé en un seul appel.
P|B|*|*|chloé|bi,re|Chloé a annulé les frais en trop tout de suite. Merci !
P|T|*|*|camille|ak,aa|Camille a pris le temps de tout m'expliquer, très pédagogue.
P|*|c|*|*|wt,re|Chat super réactif, problème résolu en cinq minutes.
P|S|*|*|*|re,aa|Changement d'offre fait rapidement, sans forcer la vente. Je recommande.
P|*|*|*|*|-|Service impeccable.
"""

BANK["es"] = r"""
P|*|*|*|*|-|¡Excelente atención!
P|*|*|*|f|aa|Muy amable y rápida.
P|G|p|*|lucía|aa,re|Lucía me lo resolvió todo en una sola llamada, con mucha paciencia y una sonrisa que se notaba hasta por teléfono. ¡Gracias!
P|S|*|*|mateo|re|Mateo me consiguió una tarifa mejor sin presionarme.
P|*|c|*|*|wt|En el chat me atendieron enseguida y me mandaron los pasos por escrito.
P|T|*|*|diego|ak|Diego sabía exactamente qué hacer con el router. Un crack.
P|G|*|*|*|re|Cambio de domicilio hecho en cinco minutos. Pensaba que sería un lío y fue facilísimo.
A|*|*|*|*|-|Bien, normal.
A|*|e|*|*|wt|Tardaron tres días en responder el correo, pero la respuesta fue correcta.
A|S|*|*|*|ve|Demasiadas preguntas de seguridad, pero al final bien.
A|G|*|*|*|cb|Me devolvieron la llamada, aunque un día más tarde de lo prometido.
D|*|p|4|*|wt|Casi una hora en espera para una consulta de dos minutos. Inaceptable.
D|*|p|*|*|ivr|El menú telefónico es un laberinto, pulsé todas las opciones y nada.
D|B|*|*|*|bi|Me cobraron dos veces la factura de octubre y nadie me dice cuándo me lo devuelven.
D|B|*|*|*|bi,tr|Me pasaron de facturación a atención al cliente y otra vez a facturación. Cuatro veces contando lo mismo.
M|B|*|*|sofía|bi,aa|Sofía muy simpática, pero el problema del cobro doble sigue sin resolverse.
D|B|p|*|*|bi,rc|Es la tercera vez que llamo por el mismo error en la factura. Cada vez me dicen que ya está corregido y al mes siguiente vuelve a aparecer.
D|T|*|4|*|ti|Sin internet desde el lunes y nadie sabe cuándo vuelve. Teletrabajo desde casa y esto me está costando dinero.
D|T|p|4|*|ti,wt|Con la avería, más de una hora esperando al teléfono. Una vergüenza.
D|S|*|*|*|cr|Me leyeron todas las condiciones del contrato, palabra por palabra. Quince minutos escuchando un texto legal cuando solo quería cambiar de tarifa.
D|S|*|*|*|ve|Me hicieron las mismas preguntas de seguridad tres veces en la misma llamada. Si ya me identifiqué al principio, ¿para qué?
M|S|*|*|m|cr,aa|El chico fue muy educado, pero el guion legal del final no se acababa nunca.
P|*|*|*|*|-|Todo perfecto, gracias.
O|*|*|*|*|-|Regular.
D|*|*|*|*|-|Pésimo servicio.
M|*|p|*|*|wt,aa|Muy buena atención, pero la espera fue larguísima.
P|G|*|*|*|ak|Me explicaron todo con mucha paciencia y claridad.
X|G|*|*|*|re|Muy bien, me solucionaron todo rápido.
D|T|*|*|*|ti,ak|El técnico que vino a casa me dio información equivocada y ahora no funciona nada.
P|*|c|*|*|ss,re|Muy útil el chat, me enseñaron a hacerlo desde la app.
A|T|*|*|*|ti,re|Ya funciona, pero tardaron una semana en arreglarlo.
D|G|*|*|*|ca|Solo atienden por teléfono en horario de oficina, imposible para quien trabaja.
P|*|*|*|*|-|Genial
D|G|*|*|*|cb|Soy Javier Ortega, mi número es +34 612 345 678. Llevo una semana esperando que alguien me devuelva la llamada.
P|B|*|*|*|bi,re|Me devolvieron el cargo duplicado en el momento. Así da gusto.
D|B|*|*|*|bi,cb|Me dijeron que el departamento de reembolsos me llamaría en 48 horas. Ha pasado una semana y nada. Sigo pagando dos veces.
P|S|*|*|*|re,aa|Llamé para darme de baja y salí con una tarifa más barata y más velocidad. Bien jugado.
P|*|p|*|f|aa,re|Muy atenta y resolutiva, me lo solucionó en una sola llamada.
P|B|*|*|sofía|bi,ak|Sofía me explicó la factura punto por punto y me quitó el cargo que no correspondía.
P|T|*|*|diego|ak,re|Diego revisó la línea en remoto y en diez minutos volvía a tener internet.
P|*|c|*|*|wt|Respuesta inmediata por chat, así da gusto.
P|G|*|*|*|wt,re|Casi sin espera y me resolvieron la duda a la primera.
P|*|*|*|*|-|Servicio de diez, gracias.
"""

BANK["ru"] = r"""
P|*|*|*|*|-|Всё отлично, спасибо!
P|T|*|*|dmitri|ak,re|Дмитрий быстро нашёл причину проблемы и всё настроил. Профессионал.
P|S|*|*|olga|re,aa|Ольга помогла подобрать выгодный тариф, очень вежливо и без навязывания.
P|*|c|*|*|wt|В чате ответили за пару минут и прислали пошаговую инструкцию.
P|T|*|*|*|re,tr,wt|Проблему решили с первого звонка, без переключений и долгого ожидания. Приятно удивлён.
P|*|*|*|*|aa|Очень доброжелательный оператор.
A|*|*|*|*|-|Нормально.
A|T|*|*|*|ti,re|Интернет починили, но на это ушло три дня. Хотелось бы хотя бы перерасчёт за это время.
A|S|*|*|*|cr|Тариф хороший, но зачем зачитывать весь договор по телефону?
A|*|e|*|*|wt|Ответ на письмо пришёл через четыре дня, но по делу.
D|*|p|4|*|wt|Сорок минут на линии, а потом связь оборвалась. Это издевательство.
D|*|p|*|*|ivr|Голосовое меню ничего не понимает, пришлось трижды начинать сначала.
D|T|*|4|*|ti|С понедельника нет интернета, никакой информации о сроках. Работаю из дома, каждый день простоя — это потерянные деньги.
D|T|p|4|*|ti,wt|Во время аварии дозвониться невозможно, час ожидания.
D|T|*|4|*|ti,rc|Звоню каждый день из-за аварии, и каждый раз говорят «завтра починим».
M|T|*|4|dmitri|ti,aa|Оператор честно объяснил ситуацию с аварией и дал компенсацию, спасибо. Но интернета всё равно нет.
D|T|*|*|*|ti,rc|Интернет пропадает каждый вечер, обращаюсь уже четвёртый раз. Каждый раз просят перезагрузить роутер, как будто я этого не делал.
D|S|p|*|*|ve|Три раза за один звонок задавали одни и те же контрольные вопросы. Если я уже подтвердил личность, зачем спрашивать снова после каждого перевода?
D|S|*|*|*|ve|Не смогла ответить на секретный вопрос, и мне вообще отказались помогать.
D|S|*|*|*|cr|Мне зачитали все условия договора слово в слово. Двадцать минут! Я просто хотел подключить более быстрый интернет.
M|S|p|*|*|cr,aa|Оператор вежливый, но обязательный текст в конце звонка длится бесконечно.
D|S|*|*|*|pw|Чтобы переоформить договор, нужно распечатать, подписать и отправить заявление почтой. Серьёзно?
N|S|*|*|*|aa|Хотел расторгнуть договор, а мне полчаса пытались продать новый тариф.
D|S|*|*|*|ve,cr|Проверка личности 10 минут, условия ещё 10, а сама смена тарифа — минута.
P|S|*|*|*|re|Быстро оформили переход на новый тариф.
D|*|*|*|*|-|Ужасно.
O|*|*|*|*|-|Так себе.
P|*|*|*|*|-|Супер!
M|*|p|*|f|wt,aa|Девушка приятная, но ждать полчаса — это слишком.
P|T|c|*|*|ti,re|В чате провели диагностику линии и сразу нашли неисправность.
Y|S|*|*|*|ve|Замучили проверками.
D|*|p|*|*|wt|Спасибо за прекрасную музыку в ожидании, наслушался на год вперёд.
P|T|*|*|*|ak|Всё объяснили понятно, даже я разобралась.
D|T|*|*|*|ti,cb|Меня зовут Ирина Смирнова, телефон +7 916 123-45-67. Мастер так и не пришёл, перезвоните, пожалуйста.
P|T|*|*|*|re,wt|Дозвонился почти сразу, мастер пришёл на следующий день. Всё работает.
D|S|*|*|*|cb|Обещали, что специалист по удержанию перезвонит с предложением. Жду уже неделю. Видимо, придётся уходить к конкурентам.
A|*|c|*|*|wt|норм, но в чате отвечали медленновато
P|*|*|*|*|aa,re|Вежливо, быстро и по делу. Вопрос решили за один звонок.
P|T|*|*|dmitri|ak|Дмитрий терпеливо всё объяснил и помог настроить роутер. Спасибо!
P|S|*|*|olga|re|Ольга быстро оформила переход на новый тариф, всё чётко.
P|*|c|*|*|wt|Ответили в чате почти мгновенно, удобно.
P|T|*|*|*|ti,re|Мастер пришёл на следующий день, интернет летает.
P|*|*|*|*|-|Отличный сервис, рекомендую.
"""

BANK["vi"] = r"""
P|*|*|*|*|-|Dịch vụ rất tốt, cảm ơn!
P|T|*|*|minh|ak,re|Anh Minh rất am hiểu kỹ thuật, sửa xong mạng chỉ trong mười phút.
P|T|*|*|minh|ak|Anh Minh giải thích rất dễ hiểu, kiên nhẫn với người không rành công nghệ như tôi.
P|G|*|*|linh|aa|Chị Linh nhiệt tình, dễ thương lắm.
P|*|c|*|*|wt|Nhắn tin là được trả lời ngay, rất nhanh.
P|G|*|*|*|re|Đổi địa chỉ xong trong năm phút, rất tiện.
P|T|p|*|*|re|Giải quyết xong ngay trong cuộc gọi đầu tiên.
O|*|*|*|*|-|Tạm được.
A|*|*|*|*|-|Bình thường.
A|*|e|*|*|wt|Email trả lời hơi chậm, ba ngày mới có phản hồi, nhưng đúng vấn đề.
A|G|*|*|*|cb|Có gọi lại nhưng trễ một ngày so với lịch hẹn.
A|T|*|*|*|ti,re|Mạng đã ổn lại, hy vọng không bị nữa.
D|*|p|*|*|wt|Chờ máy gần một tiếng. Quá tệ.
D|*|p|*|*|ivr|Tổng đài tự động rối quá, bấm mãi không gặp được người.
D|T|*|4|*|ti|Mất mạng từ thứ Hai, không ai nói khi nào có lại.
D|T|p|4|*|ti,wt|Sự cố mạng mà gọi tổng đài phải chờ hơn một tiếng.
D|T|*|4|*|ti,cb|Hứa gọi lại khi sửa xong sự cố nhưng không ai gọi.
M|T|*|4|minh|ti,ak|Nhân viên giải thích rõ ràng về sự cố, nhưng ba ngày không có internet thì quá lâu.
D|T|*|*|*|ti,rc|Mạng chập chờn mỗi tối, tôi đã gọi bốn lần rồi.
D|G|*|*|*|cb|Hẹn gọi lại hai lần mà không ai gọi.
D|G|*|*|*|bi,tr|Hỏi về hóa đơn bị tính tiền hai lần thì bị chuyển sang bộ phận khác rồi phải chờ lại từ đầu.
M|*|p|*|*|wt,aa|Nhân viên dễ thương nhưng chờ lâu quá.
P|*|c|*|*|ss,re|Nhân viên chat hướng dẫn tôi tự làm trên app, lần sau khỏi phải gọi.
D|*|*|*|*|-|Rất tệ.
P|*|*|*|*|-|Tuyệt vời!
X|G|*|*|*|aa|Nhân viên rất nhiệt tình, cảm ơn nhiều.
N|G|*|*|*|ak|Được hướng dẫn sai cách cài đặt modem, thế là mất mạng luôn.
P|G|*|*|*|ak|Trả lời đúng và đủ, không phải chờ.
A|G|*|*|*|pe|Phải đọc lại thông tin tài khoản hai lần nhưng nhìn chung ổn.
P|G|p|*|*|cb|Gọi lại đúng giờ đã hẹn, rất chuyên nghiệp.
P|G|*|*|*|aa|nv vui ve, ho tro nhiet tinh, cam on
D|*|p|4|*|wt|goi 3 lan moi gap duoc nguoi, chan qua
P|T|*|*|minh|ak,re|Anh Minh kiểm tra đường truyền từ xa, đổi kênh wifi giúp tôi, giờ xem phim không còn giật nữa.
A|T|*|*|*|ti|Mạng vẫn hơi chậm vào buổi tối nhưng đỡ hơn trước.
D|T|*|4|*|ti,re|Làm việc ở nhà mà mất mạng ba ngày liền, gọi lên chỉ nghe nói kỹ thuật đang xử lý, không có thời gian cụ thể.
P|G|*|*|f|aa,re|Tôi gọi để hỏi ngày hết hạn hợp đồng, chị nhân viên không những trả lời mà còn tư vấn gói cước rẻ hơn. Rất hài lòng.
P|*|*|*|*|aa,re|Nhân viên lịch sự, xử lý nhanh gọn, rất hài lòng.
P|G|*|*|linh|aa,re|Chị Linh hỗ trợ đổi gói cước rất nhanh, giải thích rõ ràng.
P|T|*|*|minh|ak,re|Lại là anh Minh, lần nào cũng sửa được ngay. Cảm ơn anh.
P|*|c|*|*|wt|Chat phản hồi trong vòng một phút, tuyệt.
P|G|*|*|*|wt,re|Không phải chờ lâu, hỏi gì cũng được trả lời rõ.
P|*|*|*|*|-|Rất hài lòng với dịch vụ.
"""

BANK["zh"] = r"""
P|*|*|*|*|-|服务很好，谢谢！
P|B|*|*|*|bi,re|客服当场就帮我办理了退款，效率很高。
P|B|*|*|*|bi,ak|客服把账单每一项都解释清楚了，终于明白我在付什么钱。
P|S|*|*|*|re|帮我换了更划算的套餐，没有强行推销。
P|G|*|*|*|aa|客服态度非常好，很耐心。
P|*|c|*|*|wt|在线客服秒回，很快就解决了。
P|G|*|*|*|re|一次就办好了，很方便。
A|*|*|*|*|-|还行吧。
O|*|*|*|*|-|一般。
A|*|e|*|*|wt|邮件三天后才回复，不过答案是对的。
A|B|*|*|*|bi|账单改过来了，但这种错误本来就不应该发生。
A|S|*|*|*|ve|安全验证有点繁琐，不过可以理解。
D|*|p|4|*|wt|排队等了四十分钟，太离谱了。
A|*|p|*|*|ivr|语音菜单太复杂，按了半天也转不到人工。
D|B|*|*|*|bi|十月份被扣了两次费，到现在还没退款。
D|B|*|*|*|bi,tr|在账单部和客服部之间被转来转去，每次都要重新说一遍。
D|B|*|*|*|bi,rc|同一个账单错误，我已经打了三次电话了。
M|B|*|*|*|bi,aa|客服人很好，一直道歉，但退款要十个工作日，太慢了。
D|B|*|*|*|bi|没有任何通知就涨价了，准备换运营商。
D|S|*|*|*|cr|把整个合同条款一字一句念给我听，念了二十分钟。
D|S|*|*|*|ve|一通电话里被问了三次同样的安全问题。
M|S|*|*|*|cr,aa|客服很有礼貌，但是最后那段必须念的免责声明太长了。
N|S|*|*|*|aa|我只想销户，客服却一直推销新套餐。
D|G|*|*|*|cb|说好回电话的，结果一直没人打来。
M|*|p|*|*|wt,aa|客服很好，就是等的时间太长了。
P|*|c|*|*|ss,re|在线客服教我怎么在App里自己操作，下次就不用打电话了。
D|*|*|*|*|-|太差了。
P|*|*|*|*|-|非常满意！
P|G|*|*|*|cb|按约定时间准时回电，很专业。
X|G|*|*|*|re|很快就帮我解决了，谢谢。
D|B|*|*|*|bi,wt|退款说好五到七天，现在已经两个星期了。
P|S|*|*|*|re,aa|续约给了优惠，客服很专业。
A|G|*|*|*|pe|要报两次账户信息，不过总体还可以。
D|*|p|*|*|wt|等待音乐很好听，我听了整整一个小时。
D|B|*|*|*|bi|我把路由器九月份就退回去了，收据也有，这个月还在收设备费。
P|*|c|*|*|wt,re|比打电话快多了，在线客服五分钟就帮我把问题处理好了。
M|S|*|*|*|cr,re|我明白你们必须说明合同内容，但我打电话之前已经在网上看过了。能不能让我勾选确认就行？除此之外升级很顺利。
P|*|*|*|*|aa,re|客服很热情，一个电话就解决了，点赞。
P|B|*|*|wei|bi,ak|小张把多收的费用当场退了，还解释了原因，很专业。
P|G|*|*|mei|aa|林小姐服务很周到，谢谢！
P|*|c|*|*|wt|在线客服回复很快，体验很好。
P|S|*|*|*|re|换套餐很顺利，十分钟搞定。
P|*|*|*|*|-|满意，下次还找你们。
"""

# Two long answers with commas and a line break inside the field: some
# customers write paragraphs, and the export keeps their line breaks.
LONG_COMMENTS = [
    ("en", "D", "B", "*", "*", "*", "bi,tr,rc",
     "Where do I start. I moved house in September, gave you the new address, "
     "the final reading, the date, everything, and yet I received a bill for the "
     "old flat, a bill for the new flat, and a late payment fee for a bill I never got.\n"
     "I have called four times, been transferred twice, spoken to billing, accounts "
     "and something called \"customer resolutions\", and each person, while polite, "
     "told me something different. Nobody owns this. I just want one correct bill."),
    ("en", "M", "T", "*", "*", "*", "ti,ak,wt,rc",
     "To be fair, the engineer who came out on Thursday was excellent, polite, on time, "
     "tidy, and he actually explained what had gone wrong with the line, which nobody on "
     "the phone had managed in three weeks.\n"
     "But three weeks, two missed appointments, a router swap that changed nothing, and "
     "hours on hold, is not a service I'd recommend to anyone, so that's my score."),
]

# Short answers real exports repeat many times; the only comments reused.
SHORT_REPEATS = {
    "en": [("P", "Good"), ("A", "Fine thanks"), ("P", "Great service!"),
           ("P", "Very good"), ("A", "ok"), ("P", "Thanks"), ("P", "Helpful"),
           ("P", "Good"), ("P", "Excellent")],
    "de": [("P", "Gut"), ("A", "Alles gut")],
    "fr": [("P", "Bien"), ("A", "Rien à dire")],
    "es": [("P", "Muy bien"), ("A", "Bien")],
    "ru": [("P", "Хорошо"), ("A", "Норм")],
    "vi": [("P", "Tốt"), ("A", "Ổn")],
    "zh": [("P", "很好"), ("A", "不错")],
}

# Score draws per class: (value, weight) pairs.
NPS_BY_CLASS = {
    "P": [(10, 54), (9, 42), (8, 4)],
    "A": [(8, 44), (7, 36), (6, 6), (9, 14)],
    "O": [(5, 15), (6, 30), (7, 35), (8, 20)],
    "M": [(5, 5), (6, 15), (7, 38), (8, 32), (9, 10)],
    "D": [(0, 12), (1, 10), (2, 15), (3, 16), (4, 16), (5, 16), (6, 15)],
    "N": [(0, 22), (1, 20), (2, 22), (3, 18), (4, 10), (5, 8)],
    "X": [(0, 40), (1, 35), (2, 25)],
    "Y": [(10, 100)],
}
# Customers who leave no comment are mostly content.
NPS_NO_COMMENT = [(10, 24), (9, 26), (8, 18), (7, 14), (6, 5), (5, 4),
                  (4, 3), (3, 2), (2, 2), (1, 1), (0, 1)]


def pick(rng, pairs):
    """Draw one value from (value, weight) pairs."""
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for value, weight in pairs:
        x -= weight
        if x <= 0:
            return value
    return pairs[-1][0]


def clamp(value, low, high):
    return max(low, min(high, value))


def parse_bank():
    """Turn the bank text into comment records, in file order."""
    records = []
    for lang, text in BANK.items():
        for line in text.strip().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("|", 6)
            if len(parts) != 7:
                raise ValueError(f"bank line needs 7 fields: {line!r}")
            records.append(make_record(lang, *parts))
    for entry in LONG_COMMENTS:
        records.append(make_record(*entry))
    return records


def make_record(lang, cls, teams, channels, week, agent, themes, text):
    if cls not in NPS_BY_CLASS:
        raise ValueError(f"unknown class {cls!r} for {text!r}")
    return {
        "lang": lang,
        "cls": cls,
        "teams": list(TEAM_CODES.values()) if teams == "*"
        else [TEAM_CODES[c] for c in teams],
        "channels": None if channels == "*"
        else [CHANNEL_CODES[c] for c in channels],
        "week": OUTAGE_WEEK if week == "4" else None,
        "agent": None if agent == "*" else agent,
        "themes": [] if themes == "-" else themes.split(","),
        "text": text,
    }


def speaks(agent_lang, lang):
    return lang == "en" or agent_lang == lang


def build_rows(rng):
    """Everything but the final formatting: one dict per survey response."""
    total = sum(ROWS_PER_WEEK)
    n_empty = round(total * EMPTY_SHARE)
    n_comments = total - n_empty

    comments = parse_bank()
    # Top up each language with short repeated answers up to its share.
    targets = {"en": round(n_comments * LANGUAGE_SHARE_EN)}
    others = [lang for lang in BANK if lang != "en"]
    rest = n_comments - targets["en"]
    for i, lang in enumerate(others):
        targets[lang] = rest // len(others) + (1 if i < rest % len(others) else 0)
    for lang in BANK:
        have = sum(1 for c in comments if c["lang"] == lang)
        pool = SHORT_REPEATS[lang]
        for i in range(max(0, targets[lang] - have)):
            cls, text = pool[i % len(pool)]
            comments.append(make_record(lang, cls, "*", "*", "*", "*", "-", text))
    for _ in range(n_empty):
        cls = "?"  # scored from NPS_NO_COMMENT below
        comments.append({"lang": "", "cls": cls, "teams": list(TEAM_CODES.values()),
                         "channels": None, "week": None, "agent": None,
                         "themes": [], "text": ""})
    if len(comments) > total:
        raise ValueError(f"bank has {len(comments)} comments for {total} rows")
    # A short bank is padded with more no-comment rows.
    while len(comments) < total:
        comments.append(dict(comments[-1]))
    rng.shuffle(comments)

    assign_weeks(rng, comments)
    assign_channels(rng, comments, total)
    assign_teams_and_agents(rng, comments, total)
    for c in comments:
        assign_date(rng, c)
        assign_scores(rng, c)
    comments.sort(key=lambda c: (c["date"], c["order"]))
    for i, c in enumerate(comments):
        c["response_id"] = f"R-{10001 + i}"
    for position, bad in BAD_SCORES:
        comments[position]["nps_score"] = bad
    return comments


def assign_weeks(rng, comments):
    left = list(ROWS_PER_WEEK)
    for c in comments:
        if c["week"] is not None:
            left[c["week"]] -= 1
    # Deal the free comments out class by class, so every week gets its fair
    # share of promoters and detractors and only the outage moves the score.
    free = sorted((c for c in comments if c["week"] is None), key=lambda c: c["cls"])
    for c in free:
        w = max((k for k in range(WEEKS) if left[k] > 0),
                key=lambda k: (left[k] / ROWS_PER_WEEK[k], rng.random()))
        c["week"] = w
        left[w] -= 1
    for i, c in enumerate(comments):
        c["order"] = i


def quota_pick(rng, allowed, left, target, tilt=None):
    """The allowed option with the largest share of its quota left (times
    its tilt), ties broken at random. Fed comments grouped by class, it deals
    each class out in proportion to the quotas, bent by the tilt."""
    tilt = tilt or {}
    open_ = [k for k in allowed if left[k] > 0] or allowed
    return max(open_, key=lambda k: (left[k] / target[k] * tilt.get(k, 1.0),
                                     rng.random()))


def assign_channels(rng, comments, total):
    target = {ch: round(total * share) for ch, share in CHANNEL_SHARE.items()}
    left = dict(target)
    # Constrained comments first, so free ones fill what remains.
    for c in sorted(comments, key=lambda c: (c["channels"] is None, c["cls"])):
        allowed = c["channels"] or list(CHANNEL_SHARE)
        c["channel"] = quota_pick(rng, allowed, left, target)
        left[c["channel"]] -= 1


def assign_teams_and_agents(rng, comments, total):
    target = {team: round(total * share) for team, share in TEAM_SHARE.items()}
    left = dict(target)
    load = {name: 0 for team in AGENTS.values() for name, _, _ in team}
    # Fewest team options first: they have the least freedom.
    for c in sorted(comments, key=lambda c: (len(c["teams"]), c["cls"])):
        lang = c["lang"] or "en"
        teams = [t for t in c["teams"] if candidates(c, t, lang)]
        if not teams:
            raise ValueError(f"no agent fits {c['text']!r}")
        tilt = FREE_TEAM_TILT.get(c["cls"]) if len(teams) > 1 else None
        team = quota_pick(rng, teams, left, target, tilt)
        left[team] -= 1
        c["team"] = team
        c["agent_name"] = pick_agent(rng, c, team, lang, load)
        load[c["agent_name"]] += 1


def candidates(c, team, lang):
    """Agents of the team who could have had this conversation."""
    gender = c["agent"] if c["agent"] in ("f", "m") else None
    return [name for name, al, g in AGENTS[team]
            if speaks(al, lang) and gender in (None, g)]


def pick_agent(rng, c, team, lang, load):
    agents = candidates(c, team, lang)
    if c["agent"] and c["agent"] not in ("f", "m"):
        named = [n for n in agents if n.split()[0].lower() == c["agent"]]
        if len(named) != 1:
            raise ValueError(f"agent {c['agent']!r} not in {team} for {c['text']!r}")
        return named[0]
    praise = c["cls"] in "PAMX" and ({"aa", "ak"} & set(c["themes"]))
    if praise and len(agents) > 1:
        agents = [n for n in agents if n != RUDE_AGENT] or agents
    if c["cls"] == "N" and len(agents) > 1:
        agents = [n for n in agents if n != EXPERT_AGENT] or agents
    return min(agents, key=lambda n: (load[n], rng.random()))


def assign_date(rng, c):
    if c["week"] == OUTAGE_WEEK and "ti" in c["themes"]:
        # The outage began on Monday; its comments come from Tuesday on.
        day = pick(rng, [(1, 24), (2, 24), (3, 20), (4, 16), (5, 10), (6, 6)])
    else:
        day = pick(rng, [(0, 17), (1, 17), (2, 16), (3, 16), (4, 15), (5, 11), (6, 8)])
    c["date"] = FIRST_DAY + datetime.timedelta(days=7 * c["week"] + day)


def assign_scores(rng, c):
    cls = c["cls"]
    themes = set(c["themes"])
    if cls == "?":
        nps = pick(rng, NPS_NO_COMMENT)
        cls = "P" if nps >= 9 else "A" if nps >= 7 else "D"
    else:
        nps = pick(rng, NPS_BY_CLASS[cls])

    # The agent score: close to the company score when the agent is what the
    # customer talks about, well above it when policy or product is to blame.
    if cls == "P":
        agent = clamp(nps + pick(rng, [(0, 50), (1, 40), (-1, 10)]), 0, 10)
    elif cls in "AO":
        agent = clamp(nps + pick(rng, [(-1, 15), (0, 35), (1, 30), (2, 20)]), 0, 10)
    elif cls == "M":
        agent = pick(rng, [(8, 25), (9, 40), (10, 35)])
    elif cls == "D":
        agent = pick(rng, [(5, 8), (6, 14), (7, 24), (8, 28), (9, 16), (10, 10)])
        if c["team"] == "Billing":
            agent = clamp(agent + 1, 0, 10)
    elif cls == "N":
        agent = pick(rng, [(0, 25), (1, 25), (2, 25), (3, 15), (4, 10)])
    elif cls == "X":
        agent = clamp(nps + pick(rng, [(0, 60), (1, 40)]), 0, 10)
    else:  # Y
        agent = pick(rng, [(10, 80), (9, 20)])
    if c["agent_name"] == RUDE_AGENT and cls != "N":
        agent = clamp(agent - pick(rng, [(2, 30), (3, 40), (4, 30)]), 0, 10)
    if c["agent_name"] == EXPERT_AGENT and cls != "N":
        agent = clamp(agent + 1, 0, 10)

    # CSAT follows the text rather than the scale-flipped NPS answers.
    if cls == "X":
        csat = pick(rng, [(4, 40), (5, 60)])
    elif cls == "Y":
        csat = pick(rng, [(2, 30), (3, 40), (4, 30)])
    elif nps >= 9:
        csat = pick(rng, [(5, 70), (4, 28), (3, 2)])
    elif nps >= 7:
        csat = pick(rng, [(5, 10), (4, 55), (3, 35)])
    elif nps >= 5:
        csat = pick(rng, [(4, 10), (3, 45), (2, 40), (1, 5)])
    else:
        csat = pick(rng, [(3, 8), (2, 37), (1, 55)])

    ces = {"P": [(1, 45), (2, 40), (3, 15)],
           "A": [(2, 30), (3, 40), (4, 30)],
           "O": [(2, 20), (3, 40), (4, 40)],
           "M": [(3, 20), (4, 35), (5, 35), (6, 10)],
           "D": [(4, 10), (5, 30), (6, 35), (7, 25)],
           "N": [(3, 15), (4, 25), (5, 30), (6, 20), (7, 10)],
           "X": [(1, 50), (2, 40), (3, 10)],
           "Y": [(4, 30), (5, 40), (6, 30)]}[cls]
    ces = pick(rng, ces)
    if themes & {"wt", "tr", "ve", "cr", "pw", "rc"}:
        ces = clamp(ces + 1, 1, 7)

    if "rc" in themes:
        fcr = "no"
    else:
        p_yes = {"P": 92, "A": 72, "O": 60, "M": 45, "D": 18, "N": 25, "X": 90, "Y": 10}[cls]
        fcr = "yes" if rng.uniform(0, 100) < p_yes else "no"

    fields = {"agent_score": str(agent), "csat": str(csat), "ces": str(ces), "fcr": fcr}
    # Real exports have holes: the whole block when the survey skipped the
    # follow-up questions, single answers when the customer skipped one.
    if rng.random() < 0.09:
        fields = {k: "" for k in fields}
    else:
        for k in fields:
            if rng.random() < 0.02:
                fields[k] = ""
    c["nps_score"] = str(nps)
    c.update(fields)


def render(rows):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r["response_id"], r["date"].isoformat(), r["channel"],
                         r["team"], r["agent_name"], r["nps_score"],
                         r["agent_score"], r["csat"], r["ces"], r["fcr"], r["text"]])
    return buf.getvalue().encode("utf-8")


def main():
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           os.pardir, "examples", "feedback.csv")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", default=os.path.normpath(default),
                        help="where to write the CSV, - for stdout "
                             "(default: examples/feedback.csv)")
    args = parser.parse_args()
    data = render(build_rows(random.Random(SEED)))
    if args.output == "-":
        sys.stdout.buffer.write(data)
        return
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
