import type { RiskReason, Tier } from '../records.js';
import { anyOf, readText, type ReadText } from './text.js';

/**
 * Risk tier of spec 003 §2: `urgent` on self-harm or suicide signals and on violence or abuse
 * indicators; `needs-human` on therapeutic disclosure, legal threats, harassment, a complex
 * personal crisis or a repeated angry loop over the thread; else `normal`. The score places the
 * message on one scale (≥ 0.85 urgent, ≥ 0.5 needs-human) and sizes the panel (20/10/5).
 *
 * Idioms that only look alarming ("this workout is killing me", "me muero de risa", "je meurs
 * de rire") are cut out of the text before the signals are read, so "killing me" in a joke does
 * not count while "I want to kill myself" in the same message still does. A signal denied in
 * the message ("I'm not suicidal, just…") is not ignored either: it goes to a human.
 */
export interface RiskVerdict {
  tier: Tier;
  score: number;
  reasons: RiskReason[];
  panel_size: 5 | 10 | 20;
}

const PERSON = '(?:he|hes|she|shes|they|husband|boyfriend|bf|partner|dad|father|stepdad|mom|mum|mother|brother|wife|girlfriend|gf|ex|someone|somebody|man|guy)';
const LAUGH = /\b(?:lo+l|lmao|haha\w*|jaja\w*|jeje\w*|kkk+|mdr|ptdr|hihi)\b|😂|🤣|💀|😅|😆/u;

/** Alarming-looking idioms, cut out before any signal is read. */
const IDIOMS: RegExp[] = [
  new RegExp(` (?!${PERSON} )\\w+ (?:is|are|was|were|s) (?:literally |really |so |just )?killing me`, 'g'),
  / (?:killing|killed|kill|kills|killin) (?:it|them|the game)(?= )/g,
  / (?:i could |would )?kill for (?:a|an|the|some|this|that) \w+/g,
  / (?:dying|die|dyin) (?:to|for) (?:know|book|try|see|join|start|meet|get|hear|buy|sign|go|watch|be|have|a|the|this|that)(?= )/g,
  / to die for /g,
  / (?:going to|gonna|will) die if (?:i|you) (?:do not|can not|dont|cant|don t|miss|lose)(?= )/g,
  / me mato (?:entrenando|a entrenar|trabajando|estudiando|a estudiar)(?= )/g,
  / me (?:va|van) a matar cuando (?:vea|vean|se entere|se enteren|sepa|sepan)(?= )/g,
  / me muero si(?= )/g,
  / (?:is going to|will|gonna|going to) kill me (?:when|if) (?:he|she|they|i) (?:sees?|finds? out|hears?|knows?|am late|get)(?= )/g,
  / (?:mi )?(?:jefe|jefa|madre|mama|padre|papa|profe|profesora?|entrenador|entrenadora|coach|hermana|hermano) (?:me )?(?:va|van) a matar(?= )/g,
  / (?:my )?(?:boss|mom|mum|mother|teacher|coach|sister|brother) (?:is going to|will|gonna|going to) kill me(?= )/g,
  / dying (?:of |from )?(?:laughter|laughing|laugh)/g,
  / drop dead (?:gorgeous|beautiful)?/g,
  / suicide squad /g,
  / killer (?:workout|class|session|abs|body|deal|legs|routine|reel|video)/g,
  / dead (?:tired|serious|on|easy)(?= )/g,
  / (?:so )?depress\w* (?:that |about )?(?:the |this |your )?(?:sale|offer|discount|promo|deal|course|class|season|weekend) \w+/g,
  / (?:me )?(?:muero|muere|muera|muriendo|morir|morirme|mori|morimos) (?:de|del|por) (?:la )?(?:risa|ganas|hambre|sueno|calor|frio|verguenza|amor|envidia|curiosidad|cansancio|pena|aburrimiento|saber|verte|probar|empezar|reservar|ir|ver|conocer)/g,
  / muert[oa]s? (?:de|del) (?:la )?(?:risa|cansancio|hambre|sueno|calor|frio|ganas|verguenza|aburrimiento)/g,
  / (?:me )?(?:ha |han |has |habeis )?mat(?:ado|a|an|aste|as|ais|o) (?:de |con )?(?:la |el |los |las )?(?:curiosidad|risa|clase|entreno|entrenamiento|rutina|calor|espalda|pierna|piernas|agujetas|abdominales|sesion|video|reel)/g,
  / (?:la |el |esta |este )?(?:clase|entreno|entrenamiento|rutina|sesion|workout|calor|video|reel|cardio)(?: \w+){0,3} (?:me )?(?:ha |han )?(?:matado|mata|mato|destrozado)/g,
  / me matas /g,
  / (?:je )?(?:meurs|meure|mourir|mort|morte|morts|mortes) (?:de|du) (?:rire|faim|envie|chaud|froid|fatigue|sommeil|honte)/g,
  / (?:to |estou |ta )?(?:morto|morta|mortos|mortas|morrendo|morri|morrer|morro) (?:de|do) (?:rir|riso|fome|vontade|sono|calor|frio|cansaco|vergonha|saudade)/g,
  / (?:sto )?(?:muoio|morendo|morto|morta|morire|schiatto|crepo) (?:dal|dalle|di|dalla|dai) (?:ridere|risate|fame|caldo|sonno|voglia|noia)/g,
  / (?:ich )?(?:sterbe|sterben|gestorben) (?:vor|fast vor) (?:lachen|hunger|langeweile|hitze)/g,
  / (?:lache mich tot|totlachen|totgelacht)/g,
  / (?:em )?(?:moro|morint|mort|morta|morir) de (?:riure|gana|son|calor|fred|ganes|vergonya)/g,
];

const SELF_HARM = anyOf(
  'suicid\\w*', 'suizid\\w*', 'selbstmord\\w*', 'kill my ?self', 'kms', 'end (?:it all|my life|everything|things)', 'take my (?:own )?life',
  '(?:want|wanted|going|ready) to die', 'wish i (?:was|were) dead', 'better off (?:dead|without me)', '(?:do not|no longer|not) want to (?:live|be alive|be here|exist|wake up)',
  'no reason to live', 'nothing to live for', '(?:hurt|hurting|harm|harming|cut|cutting) (?:my ?self)', 'self ?harm\\w*', 'overdose', '(?:saved|saving|stockpil\\w*|have) (?:up )?(?:all )?(?:my )?(?:pills|tablets)',
  'hang my ?self', '(?:never|not) wake up', '(?:want|wish|hope|quiero|ojala|envie|voglio|vorrei|will|mochte|vull|queria|quero|gostaria)(?: \\w+){0,7} (?:never|not|no|nunca|plus|nao|non|nicht|mai|jamais)(?: \\w+){0,3} (?:wake|despert|reveill|acordar|svegli|aufwach|despert)\\w*',
  '(?:sleep|dormir|dormire|schlafen) (?:forever|para siempre|pour toujours|per sempre|fur immer|pra sempre|para sempre)', '(?:nadie|ningu|nessuno|niemand|ninguem|personne|nobody|no one) (?:\\w+ ){0,2}(?:notaria|notarien|noticed|would notice|would care|accorgerebbe|merken|notaria|perceberia|remarquerait)',
  '(?:ya no|no) voy a estar (?:aqui|mas|manana)', 'will not be here (?:tomorrow|anymore)', 'last message (?:you will|you ll|you get|from me)', 'ultimo mensaje', 'dernier message', 'ultima mensagem', 'ultimo messaggio', 'letzte nachricht', '(?:think|thinking|thought) about ending (?:it|everything|my life)', 'ending it all', 'end it all', '(?:mejor|millor|meglio|besser|mieux|melhor) (?:sense|senza di|ohne|sans|sem) (?:mi|me|mich|moi|mim)',
  '(?:nobody|no one|noone) (?:would|will|d) (?:miss|notice) me', 'nadie me (?:echaria|va a echar) de menos', 'ninguem (?:ia|vai) sentir (?:a )?minha falta', 'personne ne (?:remarquerait|verrait)', 'how many (?:sleeping )?(?:pills|tablets)', 'kil+ m[yi] ?s[a-z]{2,4}', 'kil+ myslef', '(?:goodbye|farewell) (?:letters?|notes?)', 'suicide notes?', 'will not be (?:around|here) (?:after|anymore|much longer|for long|next)', 'tonight i (?:do it|end it)', 'saying goodbye to (?:everyone|you all|everybody)', 'would be better (?:off )?without me', 'jump off (?:a|the) (?:bridge|roof|building)', 'can not go on', 'goodbye forever', 'my last message',
  'matarme', 'quitarme la vida', 'acabar con (?:todo|mi vida)', '(?:quiero|quisiera|me quiero|quiera) morir\\w*', 'no quiero (?:vivir|seguir viviendo|seguir aqui|despertar|estar aqui)',
  'ya no quiero (?:estar|seguir)', 'desaparecer para siempre', 'no vale la pena vivir', 'hacerme dano', 'lastimarme', 'me corto', 'cortarme', 'autolesion\\w*',
  'tirarme (?:por|de|desde) \\w+', '(?:quiero|quisiera|ojala pudiera|vull|voglio|vorrei|je veux|quero|ich will|i want to|i just want to|wish i could)(?: \\w+){0,2} (?:desaparec|desapareix|disparait|sparir|desaparec|verschwind|sumir|disappear)\\w*', 'si desapareciera', 'ahorcarme', 'carta de despedida', 'cartas de despedida', '(?:tengo |he )?guardad[oa]s (?:las |unas )?(?:pastillas|pastis)', 'pastillas guardadas', 'esta noche lo hago', '(?:todos |estarian |estaria |estarias |estariais )mejor sin mi', 'me despido de (?:todos|todo el mundo|vosotros)', 'despedirme de (?:todos|todo el mundo)', 'como (?:me mato|matarme|suicidarme)', 'me mato', 'sin que duela', 'me (?:tiro|lanzo) (?:del|desde el|desde la|por el|por la|de un|de una) (?:puente|balcon|ventana|edificio|tejado|azotea|piso)', 'no despertar', 'no volver a despertar', 'mejor (?:estaria|estarian|estarias) (?:muert[oa]|sin mi)', 'tomarme (?:todas )?las pastillas',
  'me tuer', 'en finir', '(?:veux|veut|voudrais|envie de) mourir', 'plus envie de vivre', 'me faire du mal', 'me couper',
  'me matar', '(?:quero|queria) morrer', 'acabar com tudo', '(?:nao quero|sem vontade de) (?:mais )?viver', 'me machucar', 'tirar (?:a )?minha (?:propria )?vida',
  'uccidermi', 'ammazzarmi', 'farla finita', '(?:voglio|vorrei) morire', 'non (?:voglio|ho voglia di) (?:piu )?vivere', 'farmi del male', 'tagliarmi',
  'mich umbringen', 'umbringen', '(?:will|mochte|moechte) (?:nicht mehr leben|sterben)', 'nicht mehr leben', 'mir (?:etwas|was) antun', 'ritzen',
  'matar me', '(?:vull|voldria) morir', 'no vull viure', 'acabar amb tot', 'fer me mal',
);

const VIOLENCE = anyOf(
  '(?:hits|hit|beats|beat|hurts|chokes|choked|choking|slaps|slapped|kicks|kicked|punched|punches|strangled|raped|rapes|molested|threatens|threatened) me',
  'abus\\w* (?:me|my (?:son|daughter|kids|child|children))', 'abusive (?:partner|husband|boyfriend|relationship|ex)', `${PERSON} (?:is )?(?:going to|will|wants to|threatened to|gonna) (?:kill|hurt) me`,
  'afraid (?:of|for) my (?:life|safety)', 'scared (?:of him|of her|to go home)', 'domestic (?:violence|abuse)', 'rape\\w*', 'molest\\w*', 'in danger', 'will not let me leave', 'locked me in', 'covered in bruises', '(?:llen[oa]s?|cubiert[oa]) de moratones', 'couvert de bleus', 'pieno di lividi', 'voller blauer flecken',
  '(?:touches|touched|touching) (?:me|my (?:little )?(?:sister|brother|daughter|son|cousin|niece|nephew)s?)', '(?:smash|punch|break|bash|kick|beat) (?:your|ur) (?:face|head|teeth)\\w*', '(?:goes|comes|gets|sneaks|went|came) into (?:my|her|his) (?:little )?(?:sisters?|brothers?|daughters?|sons?|cousins?|kids?|room) ?(?:room|bed)?(?: at night)?',
  '(?:toca|tocaba|toco|manosea|manoseaba) a (?:mi|su) (?:prim|herman|hij|sobrin|niet)\\w*', 'me (?:toca|tocaba) (?:por las noches|sin (?:mi )?permiso)', 'me va a matar', 'me quiere matar',
  'me (?:pega|pego|pegaba|golpea|golpeo|golpeaba|maltrata|maltrato|maltrataba|viola|violo|ahorca|ahorcaba|empuja|empujo|amenaza con matarme|quiere matar)',
  'violencia (?:de genero|domestica|machista)', 'maltrato', 'amenazad[oa] de muerte', 'abusa de mi', 'abusaba de mi', 'abuso de mi', 'tengo miedo de (?:mi (?:pareja|marido|novio|ex|padre)|el|ella|volver a casa)',
  'me (?:frappe|bat|battu|battue|violee|viole)', 'violence conjugale', 'peur de (?:lui|rentrer)',
  'me (?:bate|bateu|batia|agride|agrediu|espanca|espancou|estuprou|violentou)', 'violencia domestica',
  'mi (?:picchia|picchiato|picchiava|maltratta|ha violentat[oa])', 'violenza domestica',
  '(?:schlagt|schlaegt|schlug|verprugelt) mich', 'hausliche gewalt', 'missbraucht mich', 'em (?:pega|colpeja|maltracta)',
);

const THREAT = anyOf(
  '(?:i am going to|i will|going to|i ll|gonna) (?:kill|hurt|shoot|stab) (?:him|her|them|you|everyone)', 'find you and (?:hurt|kill)',
  '(?:le|les|te|os) (?:hago|hare|voy a hacer) dano', 'and (?:hurt|kill|beat|stab|shoot) (?:you|u)', '(?:te|le|os) (?:parto|rompo|reviento|partire) (?:la|las) (?:cara|boca|crisma|piernas)', 'se donde (?:vives|das|trabajas|estas|vive)',
  'i know where (?:you|u|ur|your|it|he|she) (?:live|lives|work|works|teach|is|are)', 'i know (?:which|what) \\w+ (?:you|u) (?:train|work|go|live)\\w*', 'i know where (?:you|he|she|they) li\\w+',
  '(?:voy a|te voy a|lo voy a|la voy a|os voy a) (?:matar\\w*|hacer dano|rajar)', 'matarl[oae]s?', 'je vais (?:te|le|la) tuer', 'vou (?:te |o |a )?matar', 'ti ammazzo', 'ich bringe (?:dich|ihn|sie) um',
);

/** Ingredients that together say more than alone (spec 003's indirect self-harm signals). */
const HOPELESS = anyOf(
  'no puedo mas', 'ya no aguanto mas', 'no aguanto mas', 'can not do this anymore', 'can not take (?:it|this) anymore', 'tired of (?:everything|everyone|it all|living)', 'so tired of evrything',
  'cansad[oa] de (?:todo|tudo|vivir|viver)', 'no le veo (?:sentido|salida)', 'do not see the point', 'no point (?:in|anymore)', 'je n en peux plus', 'j en peux plus', 'non ce la faccio (?:piu|più)',
  'ich kann nicht mehr', 'no puc mes', 'i am a burden', 'soy una carga', 'sou um peso', 'estoy harta de vivir', 'nothing matters anymore', 'ya no molest\\w* a nadie', 'no molestare mas', 'not be a bother', 'no puedo con mi vida', 'no aixeco el cap', 'no me n surto',
);
const FAREWELL = anyOf(
  'gracias por todo', 'thank you for everything', 'thanks for everything', '(?:your|ur|tus|tes|i tuoi|teus|deine) (?:videos?|vids?|videos) (?:helped|me ayudaron|m ont aide)', 'helped for a (?:bit|while)',
  'merci pour (?:tout|tes videos)', 'grazie di tutto', 'obrigad[oa] por tudo', 'danke fur alles', 'gracies per tot', 'me despido', 'goodbye', 'adios a todos', 'just wanted to say',
  'gracias por tus videos', 'ouvir falar de mim', 'hear from me again', 'saber (?:mas )?de mi', 'you helped me', 'me ayudaste', 'helped me a lot', 'solo queria decir\\w*', 'you have just been kind', 'youve just been kind', 'has sido (?:muy )?buena conmigo',
);
const PLAN = anyOf(
  '(?:tonight|esta noche|ce soir|stasera|heute nacht|aquesta nit) (?:i |lo |je |ich )?(?:do it|end it|lo hago|le fais|lo faccio|mach ich es)', 'todo decidido', 'tout prevu', 'tutto deciso',
  'alles geplant', 'tudo decidido', 'tot decidit', 'have a plan', 'tengo un plan', 'written (?:a |my |the )?(?:letters?|notes?)', 'escrito (?:una |las |unas )?cartas?', 'scritto (?:le |delle )?lettere',
  'briefe geschrieben', '(?:wrote|written|writing) (?:a |my |the |some )?(?:letters?|notes?)', 'escrevi (?:as |umas )?cartas?', '(?:give|giving|gave) away (?:my|all)', 'regal\\w* (?:mis|todas mis|todo) (?:cosas|pertenencias)', '(?:deje|dejado) todo (?:ordenado|listo|arreglado)', 'will not be needing', 'no (?:lo|las|los) voy a necesitar', 'cartas? (?:para|a) (?:mi familia|todos)', 'lettres? pour', 'letters? (?:for|to) (?:everyone|my family)',
);
const MEANS = anyOf('(?:sleeping )?pills', 'pastillas', 'tabletten', 'comprimidos', 'pilules', 'pastiglie', 'rope', 'cuerda', 'gun', 'pistola');
const SAVING = anyOf('saving (?:up|them)?', 'saved (?:up)?', 'been saving', 'collect\\w*', 'gesammelt', 'sammle', 'guardando', 'guardad[oa]s', 'juntando', 'acumulando', 'accumul\\w*', 'juntei', 'messo da parte', 'stockpil\\w*');
const DISAPPEAR = anyOf(
  '(?:quiero|me voy a|voy a|i want to|i am going to|vou|je veux|voglio|ich will|vull) (?:desaparecer|quitar(?:me)? de en medio|sumir|disparaitre|sparire|verschwinden)', 'quitar(?:me)? de en medio',
  'sum(?:ir|isse) de vez', '(?:veux|voudrais) plus etre la', 'non (?:voglio|vorrei) (?:piu )?esserci', 'nicht mehr (?:da sein|aufwachen)', 'no (?:quiero|vull) (?:estar|ser) aqui',
);

/** Indirect self-harm: the wish to disappear, or exhaustion, farewell, a plan and the means, two together. */
function indirectSelfHarm(text: string): boolean {
  if (DISAPPEAR.test(text)) return true;
  if (MEANS.test(text) && SAVING.test(text)) return true;
  const parts = [HOPELESS.test(text), FAREWELL.test(text), PLAN.test(text)].filter(Boolean).length;
  return parts >= 2;
}

/** A condition named as a topic ("a video about anxiety") is not a disclosure. */
const TOPIC = / (?:about|on|sobre|sur|su|uber|for|para|pour|per) (?:la |el |the |l |a )?(?=\S+ )/g;

const NEGATION = / (?:not|no|never|nunca|ni|jamas|pas|nao|non|nicht|kein|keine|mai|gens) (?:\w+ ){0,3}$/;

const THERAPEUTIC = anyOf(
  'depress\\w*', 'deprimid[oa]s?', 'depresion', 'anxiety', 'anxious', 'panic attacks?', 'trauma\\w*', 'ptsd', 'ocd', 'bipolar', 'eating disorders?', 'anorexi\\w*', 'bulimi\\w*', 'binge\\w*',
  'seeing a (?:therapist|psychologist|psychiatrist)', 'therapy (?:over|by|via|through|on) (?:dm|dms|here|chat|messages|instagram)', 'pani\\w* attacks?', 'flashbacks?', 'assault\\w*', 'trigger\\w* (?:a |my )?(?:flashback|panic|attack|memories)', '(?:make|making|made) my ?self (?:throw up|vomit|sick)', 'throw\\w* up after (?:meals|eating)', 'starv\\w* my ?self', 'self esteem', 'antidepressants?', 'diagnosed', 'mental health', 'breakdown', 'i feel (?:so )?(?:empty|worthless|numb|hopeless|like a burden)', 'be my therapist',
  'ansiedad', 'ataques? de (?:panico|ansiedad)', 'tca', 'atracones?', 'terapia (?:por|aqui|por aqui|por dm|por mensaje|por instagram)', 'vomit\\w* (?:despues|after) (?:de )?(?:cada |every |each )?(?:comer|comida|comidas|meal|meals|eating)', 'provocarme el vomito', 'no como (?:casi )?nada', 'me veo gorda', 'dejar de comer', 'me doy atracones', 'antidepresivos', 'ansioliticos', 'me diagnosticaron',
  'me siento (?:muy )?(?:vaci[oa]|inutil|una carga|sin ganas de nada)', 'salud mental',
  'angoisse\\w*', 'crises? d angoisse', 'therapeute', 'ansiedade', 'crises? de (?:panico|ansiedade)', 'ansia', 'attacchi di panico', 'attacchi d ansia', 'psicoterapeuta',
  'depression\\w*', 'depressiv\\w*', 'panikattacke\\w*', 'angststorung\\w*', 'ansietat', 'atacs de panic', 'psicoleg\\w*',
);

const LEGAL = anyOf(
  'lawyers?', 'attorneys?', 'sue', 'suing', 'lawsuit', 'legal action', 'take (?:you|this|it) to court', 'small claims', 'court', 'chargeback', 'contracargo', 'report you to (?:the )?\\w+', 'trading standards',
  'abogad[oa]s?', 'demandar\\w*', 'os demando', 'te demando', 'denuncia\\w*', 'denunciar\\w*', 'oficina del consumidor', 'consumo', 'omic', 'juicio', 'tribunal\\w*', 'acciones legales', 'via legal',
  'avocat\\w*', 'poursuivre', 'en justice', 'plainte', 'advogad[oa]s?', 'processar', 'procon', 'justica', 'avvocat[oi]', 'querela', 'anwalt', 'anwaltin', 'verklagen', 'klage', 'anzeige',
  'advocat\\w*', 'denunciar',
);

const HARASSMENT = anyOf(
  'idiots?', 'stupid', 'moron', 'bitch\\w*', 'whore', 'slut', 'fuck (?:you|off|u)', 'fck (?:you|u)', 'stfu', 'kys', 'kill yourself', 'loser', 'ugly', 'fat (?:cow|pig)', 'dumb ?ass',
  'nudes?', 'send (?:me )?(?:more )?(?:pics|pictures|photos|nudes)', '(?:you|u) look (?:so )?(?:hot|sexy)', 'so hot in', 'sei (?:una |un )?(?:truffatrice|truffatore|brutt[oa]|stronz[oa]|idiota)', 'pure brutt[oa]', 'brutt[oa] e', 'sexy', 'your (?:body|ass|boobs|tits)', 'sleep with you', 'cunt',
  'puta', 'putas', 'zorra', 'idiota', 'imbecil', 'estupid[oa]', 'gilipollas', 'gilipolles', 'pendej[oa]s?', 'subnormal', 'vete a la mierda', 'que te jodan', 'hijo de puta', 'hdp', 'perra',
  'fotos (?:sin ropa|desnud[oa])', '(?:manda|pasa|envia)(?:me)? (?:el |un |tu )?pack', 'fotos tuyas', 'fotos (?:en|sin) (?:bikini|ropa|lenceria)', '(?:pics|photos|pictures) of you', 'asqueros[oa]s?', 'eres (?:una |un )?(?:gord[oa]|fe[oa]|asqueros[oa]|payas[oa]|mentiros[oa]|estafador[a]?|fraude|incompetente)', '(?:you are|youre|ur|you) (?:a |an |such a |so )?(?:fat|ugly|pathetic|clown|fraud|liar|fake)', 'you clown', 'watch your (?:back|inbox|step)', 'make sure everyone(?: \\w+){0,3} knows', '(?:ruin|destroy|expose) (?:you|your (?:account|business|reputation))', '(?:te|os) voy a (?:hundir|destrozar|arruinar|poner a parir|exponer)', 'hundir(?:te)? la cuenta', 'todo el mundo (?:sepa|se entere)', 'hasslich\\w*', 'mass report\\w*', '(?:get|make) (?:all )?my followers to', 'your account (?:is|will be) gone', 'take (?:your|ur) account down', 'du bist (?:so )?(?:eine? )?(?:hassliche?|dumme?|betruger\\w*)', 'cabron\\w*', 'connard', 'connasse', 'salope', 'pute', 'ta gueule', 'va te faire \\w+', 'encule', 'vagabunda', 'otario', 'vai se foder',
  'vai tomar no cu', 'filho da puta', 'stronz[oa]', 'vaffanculo', 'puttana', 'coglione', 'arschloch', 'schlampe', 'hure', 'fick dich', 'halt die fresse', 'wichser', 'fill de puta',
);

const CRISIS_STRONG = anyOf(
  'can not cope', 'falling apart', 'my life is (?:a mess|over|falling apart|a disaster)', 'everything is falling apart', 'i can not take (?:it|this) anymore', 'at my breaking point',
  'no puedo mas', 'no aguanto mas', 'se me cae el mundo', 'mi vida (?:es un desastre|se derrumba|se ha derrumbado|se cae)', 'estoy desbordad[oa]', 'toco fondo', 'he tocado fondo',
  'can not stop crying', 'levantar cabeza', 'non so come andare avanti', 'no se como salir adelante', 'je sais pas comment continuer', 'nao sei como (?:seguir|continuar)', 'weiss nicht wie es weitergeht', 'do not know how to (?:get through|go on|keep going|cope)', 'no se como seguir', 'no levanto cabeza', 'no paro de llorar', 'je n en peux plus', 'nao aguento mais', 'non ce la faccio piu', 'ich kann nicht mehr', 'no puc mes',
);

const CRISIS_EVENT = anyOf(
  '(?:lost|losing) (?:my )?(?:job|house|home|everything)', 'divorc\\w*', 'passed away', 'died', 'funeral', 'grief', 'grieving', 'overwhelmed', 'evicted', 'bankrupt\\w*', 'miscarriage',
  '(?:perdi|he perdido|me quede sin|me han echado del?) (?:el |mi )?(?:trabajo|casa|empleo|bebe)', 'separacion', 'separandome', 'fallecio', 'murio', 'se murio', 'duelo', 'desahucio', 'aborto',
  'licencie', '(?:e )?mort[oa] (?:mia|mio)', 'ho perso (?:anche )?il lavoro', 'se me murio', 'murio mi', 'me despidieron', 'me echaron del trabajo', 'va morir (?:la meva|el meu)', '(?:mi novi[oa]|mi pareja|mi marido|mi mujer|my (?:bf|gf|boyfriend|girlfriend|partner|husband|wife)) (?:me )?(?:dejo|left me|ha dejado)', 'perdu mon (?:travail|emploi)', 'perdi o (?:meu )?emprego', 'ho perso il lavoro', 'scheidung', 'gestorben', 'verstorben',
);

const ANGER = anyOf(
  'ridiculous', 'unacceptable', 'worst', 'scam\\w*', 'fraud\\w*', 'rip ?off', '(?:nobody|no one|noone) (?:answers|replies|responds|is answering)', 'still waiting', 'answer me', 'reply to me',
  'respond already', 'wtf', 'useless', 'disgusting', 'joke', 'shame on you', 'refund (?:me )?now', 'angry', 'furious', 'pissed', 'fed up', 'sick of',
  'verguenza', 'inaceptable', 'estafa\\w*', 'timo', '(?:nadie|nadie me) (?:contesta|responde)', 'sigo esperando', 'contesta(?:me|d|dme)?', 'responde(?:me|d|dme)?', 'ya basta', 'hart[oa]s?',
  'indignad[oa]s?', 'una mierda', 'cabread[oa]s?', 'ridicul\\w*', 'que asco', 'devolvedme', 'devuelveme', 'engan\\w*', 'sinverguenza\\w*', 'ladron\\w*',
  'arnaque\\w*', 'honte', 'inadmissible', 'personne ne repond', 'j attends toujours', 'en colere', 'golpe', 'vergonha', 'absurdo', 'ninguem responde', 'palhacada',
  'thef\\w*', 'nadie me (?:dice|contesta|responde) nada', '(?:esteu|estais|estas|are you) (?:de broma|kidding)', 'quina vergonya', 'que poca madre', 'or i am done', 'no (?:reply|answer|response)', 'sin respuesta', 'thie(?:f|ves)', 'stealing', 'unbelievable', 'not cool', '(?:so )?done with (?:this|you)', 'tomadura de pelo', 'desastre', 'vaya servicio', 'incompetentes?', 'hasta las narices', 'me ignor\\w*', 'ignor\\w* me',
  'truffa\\w*', 'vergogna', 'inaccettabile', 'nessuno risponde', 'ridicolo', 'betrug\\w*', 'unverschamt', 'frechheit', 'niemand antwortet', 'lacherlich', 'vergonya', 'ningu respon',
);

/** Words that add to anger but do not make it alone ("again", "sin avisar"). */
const ANGER_WEAK = anyOf(
  'without (?:asking|warning|notice)', 'sin avisar', 'muy mal', 'otra vez', 'again', 'third time', 'tercera vez', 'still (?:no|not|nothing|waiting)', 'sigo sin', 'sigue sin', 'tercera vegada', 'so annoying', 'cancel\\w* on me', 'where is my (?:refund|money|order)', 'donde esta mi (?:reembolso|dinero|pedido)', '\\d veces', 'seriously', 'not (?:ok|okay|acceptable)',
  'encima', 'nunca (?:contestas|respondes)', 'never (?:answer|reply|respond)\\w*',
);

const ANGRY_EMOJI = /😡|🤬|😤|👎|🖕/u;

const MEANS_EMOJI = /💊|🔪|🪢|🔫/u;

/** Whether an earlier message carried an urgent signal of its own. */
function urgentSignal(message: string): boolean {
  const text = withoutIdioms(readText(message), message);
  return signal(text, SELF_HARM).plain || signal(text, VIOLENCE).plain || signal(text, THREAT).plain || indirectSelfHarm(text);
}

/** Cuts the idioms out: the rest of the message is read as usual. */
export function withoutIdioms(read: ReadText, raw: string): string {
  let folded = read.folded;
  for (const idiom of IDIOMS) folded = folded.replace(idiom, ' ~ ');
  // "i'm dead 💀", "me muero jajaja": dying of laughter, spelled as laughter.
  if (LAUGH.test(raw)) folded = folded.replace(/ (?:i am |im )?dead(?= )| me muero(?= )| muerta| muerto| je meurs| morto| morta| sto morendo| me tiro por la ventana| (?:just )?kill me(?= )| me (?:quiero )?morir(?= )| me mato(?= )| (?:vou|voy a) te matar| te voy a matar| i will kill you| i ll kill you| ti ammazzo| je vais te tuer/g, ' ~ ');
  return folded.replace(/ +/g, ' ');
}

/** Whether `pattern` matches with no negation in the three words before, and whether any match was negated. */
function signal(text: string, pattern: RegExp): { plain: boolean; negated: boolean } {
  const global = new RegExp(pattern.source.replace(/^ /, '(?<= )').replace(/ $/, '(?= )'), 'g');
  let plain = false;
  let negated = false;
  for (const m of text.matchAll(global)) {
    // "ya no aguanto más, …" is despair, not a denial: phrases of despair do not negate what follows.
    const before = text.slice(Math.max(0, m.index - 40), m.index).replace(new RegExp(HOPELESS.source.replace(/ $/, ''), 'g'), ' ~');
    const inMatchNegation = /^(?:no|not|do not|nao|non|nicht|ya no) /.test(m[0]);
    if (!inMatchNegation && NEGATION.test(before)) negated = true;
    else plain = true;
  }
  return { plain, negated };
}

/** Whether a message reads angry: anger words, shouting, a run of exclamation marks, angry emoji. */
export function isAngry(raw: string, read: ReadText = readText(raw)): boolean {
  let points = 0;
  if (ANGER.test(read.folded)) points += 1;
  if (ANGER_WEAK.test(read.folded)) points += 0.5;
  if (/\?{2,}/.test(raw)) points += 0.5;
  if (read.capsRatio > 0.6) points += 1;
  if (read.exclamations >= 3) points += 0.5;
  if (ANGRY_EMOJI.test(raw)) points += 1;
  if (HARASSMENT.test(read.folded)) points += 1;
  return points >= 1;
}

export function assessRisk(raw: string, read: ReadText, thread: string[] = []): RiskVerdict {
  const text = withoutIdioms(read, raw);
  const reasons: RiskReason[] = [];
  let score = 0.05;

  const selfHarm = signal(text, SELF_HARM);
  const violence = signal(text, VIOLENCE);
  const threat = signal(text, THREAT);
  if (selfHarm.plain || indirectSelfHarm(text)) reasons.push('self_harm_signal');
  if (violence.plain) reasons.push('violence_abuse_signal');
  if (threat.plain) reasons.push('threat_to_others');
  // A conversation that was urgent stays urgent: "💊💊💊" after "mañana ya no voy a estar" is not a new, calm topic.
  if (reasons.length === 0 && thread.slice(-5).some((m) => urgentSignal(m))) reasons.push('self_harm_signal');
  if (reasons.length === 0 && MEANS_EMOJI.test(raw) && (HOPELESS.test(text) || thread.slice(-5).some((m) => HOPELESS.test(withoutIdioms(readText(m), m))))) reasons.push('self_harm_signal');
  if (reasons.length > 0) {
    score = Math.min(1, 0.9 + 0.04 * reasons.length);
  } else {
    if (selfHarm.negated || violence.negated || threat.negated) reasons.push('self_harm_mention_negated');
    if (THERAPEUTIC.test(text.replace(new RegExp(`${TOPIC.source}(?:${THERAPEUTIC.source.trim().slice(3, -1)})`, 'g'), ' ~ '))) reasons.push('therapeutic_disclosure');
    if (LEGAL.test(text)) reasons.push('legal_threat');
    if (HARASSMENT.test(text)) reasons.push('harassment');
    const events = [raw, ...thread].filter((m) => CRISIS_EVENT.test(withoutIdioms(readText(m), m))).length;
    const eventCount = (text.match(new RegExp(CRISIS_EVENT.source.replace(/^ /, '(?<= )').replace(/ $/, '(?= )'), 'g')) ?? []).length;
    if (CRISIS_STRONG.test(text) || HOPELESS.test(text) || eventCount >= 2 || (eventCount >= 1 && events >= 2)) reasons.push('complex_crisis');
    else if (eventCount === 1) score += 0.15;
    const angryNow = isAngry(raw, read);
    const angryBefore = thread.filter((m) => isAngry(m)).length;
    if (angryNow && angryBefore >= 2) reasons.push('angry_loop');
    else if (angryNow) score += 0.1 + 0.1 * angryBefore;
    if (reasons.length > 0) score = Math.min(0.84, 0.55 + 0.05 * (reasons.length - 1) + (reasons.includes('self_harm_mention_negated') ? 0.1 : 0));
  }
  score = Math.round(Math.min(score, 1) * 100) / 100;
  const tier: Tier = score >= 0.85 ? 'urgent' : score >= 0.5 ? 'needs-human' : 'normal';
  return { tier, score, reasons, panel_size: tier === 'urgent' ? 20 : tier === 'needs-human' ? 10 : 5 };
}
