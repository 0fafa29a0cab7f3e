import type { Platform } from '../types.js';

/**
 * Spanish UI text of both platforms, as the real Spanish Instagram and X word it where known.
 * Keys are the exact English strings the layouts, the router and the page scripts render (a whole
 * text node, attribute value or script string, trimmed). To teach the dictionary a new string,
 * add one line to SHARED_ES, IG_ES or X_ES; a string with a variable part goes in the patterns.
 */
const SHARED_ES: Record<string, string> = {
  // Router messages (error pages and JSON answers) and NOTICES (sandbox/ui/layout.ts).
  'Sorry, something went wrong. Please try again.': 'Lo sentimos, se ha producido un error. Inténtalo de nuevo.',
  'Please wait a few minutes before you try again.': 'Espera unos minutos antes de volver a intentarlo.',
  "Sorry, this page isn't available.": 'Esta página no está disponible.',
  'This conversation is not available.': 'Esta conversación no está disponible.',
  'You can only delete your own posts.': 'Solo puedes eliminar tus propias publicaciones.',
  'Sorry, your password was incorrect. Please double-check your password.': 'La contraseña no es correcta. Compruébala.',
  'Action Blocked': 'Acción bloqueada',
  'Action Blocked. We restrict certain activity to protect our community. Tell us if you think we made a mistake.':
    'Acción bloqueada. Restringimos determinadas actividades para proteger a nuestra comunidad. Indícanos si crees que nos hemos equivocado.',
  'Switched account.': 'Has cambiado de cuenta.',
  'request body too large': 'el cuerpo de la solicitud es demasiado grande',
  'image: select a photo (PNG, JPEG, GIF or WebP) to share': 'image: selecciona una foto (PNG, JPEG, GIF o WebP) para compartir',
  'text: a post needs 1 to 280 characters': 'text: un post necesita de 1 a 280 caracteres',
  'text: a reply needs 1 to 280 characters': 'text: una respuesta necesita de 1 a 280 caracteres',
  'peer: this conversation is not available': 'peer: esta conversación no está disponible',
  'parent_id: the comment to reply to was not found': 'parent_id: no se ha encontrado el comentario al que respondes',
  'account_id: not an account logged in on this browser': 'account_id: no es una cuenta con sesión iniciada en este navegador',
  // Shared words.
  Password: 'Contraseña',
  Username: 'Usuario',
  Continue: 'Continuar',
  Error: 'Error',
  Delete: 'Eliminar',
  Cancel: 'Cancelar',
  Like: 'Me gusta',
  Reply: 'Responder',
  Send: 'Enviar',
  Sent: 'Enviado',
  'Sending…': 'Enviando…',
  Message: 'Mensaje',
  Messages: 'Mensajes',
  Follow: 'Seguir',
  Following: 'Siguiendo',
  'Edit profile': 'Editar perfil',
  Accounts: 'Cuentas',
  Chat: 'Chat',
};

const IG_ES: Record<string, string> = {
  ...SHARED_ES,
  'Something went wrong. Please try again.': 'Se ha producido un error. Inténtalo de nuevo.',
  "Couldn't complete your request. Please try again.": 'No se ha podido completar la solicitud. Inténtalo de nuevo.',
  'Select a photo to share.': 'Selecciona una foto para compartir.',
  "Couldn't share. Check your connection and try again.": 'No se ha podido compartir. Comprueba tu conexión e inténtalo de nuevo.',
  // v1
  Login: 'Iniciar sesión',
  'Log in': 'Entrar',
  'Phone number, username, or email': 'Teléfono, usuario o correo electrónico',
  Checkpoint: 'Control de seguridad',
  'We suspect automated behavior on your account': 'Sospechamos que hay comportamiento automatizado en tu cuenta',
  'To protect your account, confirm that you are a person before continuing.': 'Para proteger tu cuenta, confirma que eres una persona antes de continuar.',
  "I'm not a robot": 'No soy un robot',
  '＋ Create': '＋ Crear',
  'New post': 'Nueva publicación',
  'Direct messaging': 'Mensajes directos',
  'Switch accounts': 'Cambiar de cuenta',
  'Add account': 'Añadir cuenta',
  'Log out': 'Salir',
  posts: 'publicaciones',
  followers: 'seguidores',
  following: 'seguidos',
  'Create new post': 'Crear nueva publicación',
  'Select from computer': 'Seleccionar del ordenador',
  'Write a caption...': 'Escribe un pie de foto...',
  Share: 'Compartir',
  'Sharing…': 'Compartiendo…',
  'Your post has been shared.': 'Tu publicación se ha compartido.',
  'More options': 'Más opciones',
  'Delete post?': '¿Eliminar publicación?',
  'Are you sure you want to delete this post?': '¿Seguro que quieres eliminar esta publicación?',
  Unlike: 'Ya no me gusta',
  'Add a comment…': 'Añade un comentario…',
  Post: 'Publicar',
  Inbox: 'Bandeja de entrada',
  'Message...': 'Mensaje...',
  'You sent': 'Enviaste',
  'Not delivered': 'No entregado',
  // v2
  'Log into Instagram': 'Inicia sesión en Instagram',
  'Log In': 'Entrar',
  'Confirm it’s you': 'Confirma que eres tú',
  "Confirm it's you": 'Confirma que eres tú',
  'We noticed unusual activity. Complete the security check to continue.': 'Hemos detectado actividad inusual. Completa el control de seguridad para continuar.',
  'Security check': 'Control de seguridad',
  Next: 'Siguiente',
  Sidebar: 'Barra lateral',
  Create: 'Crear',
  '⊕ Create': '⊕ Crear',
  Messenger: 'Messenger',
  '✉ Messages': '✉ Mensajes',
  'Profile photo': 'Foto del perfil',
  'Log into an existing account': 'Iniciar sesión en una cuenta existente',
  'posts ·': 'publicaciones ·',
  'followers ·': 'seguidores ·',
  'Send message': 'Enviar mensaje',
  '✓ Following': '✓ Siguiendo',
  Caption: 'Pie de foto',
  'Add a caption': 'Añade un pie de foto',
  'Uploading…': 'Subiendo…',
  'Post shared': 'Publicación compartida',
  'Drag photos and videos here, or': 'Arrastra las fotos y los vídeos aquí, o',
  Options: 'Opciones',
  Heart: 'Me gusta',
  'Reply…': 'Responder…',
  Comment: 'Comentario',
  Chats: 'Chats',
  'Message…': 'Mensaje…',
  Delivered: 'Entregado',
};

const X_ES: Record<string, string> = {
  ...SHARED_ES,
  'Something went wrong. Please try again.': 'Algo salió mal. Inténtalo de nuevo.',
  "Couldn't complete your request. Please try again.": 'No se pudo completar tu solicitud. Inténtalo de nuevo.',
  "Couldn't share. Check your connection and try again.": 'No se pudo publicar. Comprueba tu conexión e inténtalo de nuevo.',
  'Delete this post?': '¿Eliminar este post?',
  // v1: background actions (likes, follows, replies, DMs)
  Sent: 'Enviado',
  'Sending…': 'Enviando…',
  'You sent': 'Enviaste',
  'Failed to send': 'No se pudo enviar',
  Like: 'Me gusta',
  Liked: 'Te gusta',
  Follow: 'Seguir',
  Following: 'Siguiendo',
  'Something went wrong, but don’t fret — let’s give it another shot.': 'Algo salió mal, pero no te preocupes: volvamos a intentarlo.',
  // v1
  'Log in': 'Iniciar sesión',
  'Sign in to X': 'Inicia sesión en X',
  'Phone, email, or username': 'Teléfono, correo electrónico o nombre de usuario',
  'Account access': 'Acceso a la cuenta',
  'Your account has been locked': 'Tu cuenta está bloqueada',
  'We’ve detected some unusual activity. Pass an Arkose challenge to unlock your account.':
    'Detectamos actividad inusual. Supera un desafío de Arkose para desbloquear tu cuenta.',
  'Verify I am human': 'Verificar que soy humano',
  'Continue to X': 'Continuar a X',
  'Something went wrong': 'Algo salió mal',
  'Rate limit exceeded': 'Se superó el límite de frecuencia',
  Primary: 'Principal',
  Home: 'Inicio',
  '𝕏 Home': '𝕏 Inicio',
  'Direct Messages': 'Mensajes directos',
  Post: 'Publicar',
  'Account menu': 'Menú de la cuenta',
  'Switch account': 'Cambiar de cuenta',
  'Add an existing account': 'Agregar una cuenta existente',
  'Opens profile photo': 'Abre la foto de perfil',
  Followers: 'Seguidores',
  'replies ·': 'respuestas ·',
  likes: 'Me gusta',
  'Post text': 'Texto del post',
  'What is happening?!': '¿Qué está pasando?',
  'Posting…': 'Publicando…',
  'Your post was sent.': 'Tu post se envió.',
  View: 'Ver',
  More: 'Más opciones',
  'Delete post?': '¿Eliminar post?',
  'This can’t be undone and it will be removed from your profile.': 'Esta acción no se puede deshacer y el post se eliminará de tu perfil.',
  'Post your reply': 'Postea tu respuesta',
  Conversation: 'Conversación',
  'Start a new message': 'Empieza un nuevo mensaje',
  // v2
  'Sign in': 'Iniciar sesión',
  'Welcome back': 'Hola de nuevo',
  Verify: 'Verificar',
  'Help us keep X secure': 'Ayúdanos a mantener X seguro',
  'Solve the puzzle to continue.': 'Resuelve el rompecabezas para continuar.',
  'I am human': 'Soy humano',
  Write: 'Escribir',
  'Use account': 'Usar cuenta',
  'Sign out': 'Cerrar sesión',
  'This is you': 'Eres tú',
  '+ Follow': '+ Seguir',
  'Following ✓': 'Siguiendo ✓',
  Publish: 'Publicar',
  'Your post': 'Tu post',
  'Posted ✓': 'Publicado ✓',
  'See it': 'Verlo',
  '♡ Like': '♡ Me gusta',
  '♥ Liked': '♥ Te gusta',
  'Remove post': 'Eliminar post',
  'Write an answer': 'Escribe una respuesta',
  Answer: 'Responder',
  'Chat message': 'Mensaje del chat',
  '✓ delivered': '✓ entregado',
};

/** Spanish UI strings of each platform: English (exact, trimmed) → Spanish. */
export const UI_STRINGS_ES: Readonly<Record<Platform, Readonly<Record<string, string>>>> = { instagram: IG_ES, x: X_ES };

/**
 * Strings with a variable part. `{t}` is translated in turn (a page title's fixed part); `{n}`,
 * `{m}` and `{status}` are numbers; `{date}` is "January 06, 2025" (→ "06 de enero de 2025");
 * `{ago}` is a relative time ("5m" → "5 min"); `{text}` may be empty; any other name is copied as
 * it is (user content: names, handles, post text).
 */
export interface UiPattern {
  en: string;
  es: string;
}

const SHARED_PATTERNS: UiPattern[] = [
  { en: '{ago}', es: '{ago}' },
  { en: '{field} is required', es: '{field} es obligatorio' },
];

const IG_PATTERNS: UiPattern[] = [
  ...SHARED_PATTERNS,
  { en: '{t} • Instagram', es: '{t} • Instagram' },
  { en: 'Instagram • {t}', es: 'Instagram • {t}' },
  { en: '{handle} on Instagram', es: '{handle} en Instagram' },
  { en: "{handle}'s profile picture", es: 'Foto del perfil de {handle}' },
  { en: 'Photo by {name} on {date}. May be an image of text.', es: 'Foto de {name} el {date}. Puede ser una imagen de texto.' },
  { en: 'Photo by {name}', es: 'Foto de {name}' },
  { en: 'Profile photo of {name}', es: 'Foto del perfil de {name}' },
  { en: 'Reply to {handle}…', es: 'Responder a {handle}…' },
  { en: '{n} likes', es: '{n} Me gusta' },
  { en: 'likes · {ago}', es: 'Me gusta · {ago}' },
  { en: '{handle} sent', es: '{handle} envió' },
  { en: 'Log out {handle}', es: 'Salir de {handle}' },
  { en: "Something's not right ({status})", es: 'Algo no va bien ({status})' },
  { en: 'Chat with {name}', es: 'Chat con {name}' },
];

const X_PATTERNS: UiPattern[] = [
  ...SHARED_PATTERNS,
  { en: '{t} / X', es: '{t} / X' },
  { en: 'X – {t}', es: 'X – {t}' },
  { en: '{name} / Messages', es: '{name} / Mensajes' },
  { en: '@{handle} sent', es: '@{handle} envió' },
  { en: '{name} on X: "{text}"', es: '{name} en X: "{text}"' },
  { en: 'Log out @{handle}', es: 'Cerrar la sesión de @{handle}' },
  { en: 'Timeline: {name}’s posts', es: 'Cronología: posts de {name}' },
  { en: '{n} Likes. Liked', es: '{n} Me gusta. Te gusta' },
  { en: '{n} Likes. Like', es: '{n} Me gusta. Me gusta' },
  { en: 'Oops ({status})', es: 'Vaya ({status})' },
  { en: '{n} followers · {m} following', es: '{n} seguidores · {m} siguiendo' },
  { en: 'Post by @{handle}', es: 'Post de @{handle}' },
  { en: 'Chat with @{handle}', es: 'Chat con @{handle}' },
];

/** Spanish patterns of each platform, tried in order after the exact strings. */
export const UI_PATTERNS_ES: Readonly<Record<Platform, readonly UiPattern[]>> = { instagram: IG_PATTERNS, x: X_PATTERNS };

export const MONTHS_ES = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'] as const;
